using System.Text.RegularExpressions;
using Amazon.CDK;

namespace Slipway.Conventions;

/// <summary>
/// Collects validation problems so that users see all of them at once, then throws once.
/// Every message follows the form <c>path: "value" problem. fix</c>. A value the user did not
/// write is shown with where it came from (<see cref="Inherited"/>).
/// </summary>
public sealed partial class Validator
{
    private readonly List<string> _problems = new();

    /// <summary>Problems collected so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Records a problem with a field.</summary>
    public void Add(string path, object? value, string problem) =>
        _problems.Add($"{path}: {Show(value)} {problem}");

    /// <summary>Records a problem when <paramref name="condition"/> is false.</summary>
    public bool Require(bool condition, string path, object? value, string problem)
    {
        if (!condition)
        {
            Add(path, value, problem);
        }
        return condition;
    }

    /// <summary>Throws a <see cref="SlipwayValidationException"/> when anything was collected.</summary>
    public void ThrowIfAny()
    {
        if (_problems.Count > 0)
        {
            throw new SlipwayValidationException(_problems.ToArray());
        }
    }

    /// <summary>A required text value.</summary>
    public bool NotBlank(string? value, string path, string fix) =>
        Require(!string.IsNullOrWhiteSpace(value), path, value, $"is required. {fix}");

    /// <summary>A 12-digit AWS account id (tokens are skipped).</summary>
    public bool AccountId(string? value, string path) =>
        IsToken(value) || Require(value is not null && AccountPattern().IsMatch(value), path, value,
            "is not a 12-digit AWS account id. Use the account number, for example \"123456789012\" (quote it in YAML so leading zeros survive).");

    /// <summary>A known AWS region name (tokens are skipped).</summary>
    public bool Region(string? value, string path) =>
        IsToken(value) || Require(value is not null && AwsRegions.IsKnown(value), path, value,
            $"is not an AWS region. Use a region name such as \"us-east-1\"; known regions: {string.Join(", ", AwsRegions.All.Take(6))}, ...");

    /// <summary>A name made of lowercase letters, digits and hyphens, starting with a letter.</summary>
    public bool DnsLabel(string? value, string path, int maxLength) =>
        Require(value is not null && value.Length <= maxLength && DnsLabelPattern().IsMatch(value), path, value,
            $"must be 1-{maxLength} lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen, for example \"orders\".");

    /// <summary>A TCP port.</summary>
    public bool Port(int value, string path) =>
        Require(value is >= 1 and <= 65535, path, value, "is not a TCP port. Use a number from 1 to 65535.");

    /// <summary>An email address (a pragmatic check: SNS confirms the real address).</summary>
    public bool Email(string? value, string path) =>
        Require(value is not null && EmailPattern().IsMatch(value), path, value,
            "is not an email address. Use a form such as \"team@example.com\".");

    /// <summary>True for values CDK resolves at deploy time; they are not validated here.</summary>
    /// <remarks>
    /// A string token always contains CDK's marker <c>${Token[</c>; plain text is answered here
    /// without a jsii round trip, so validating a manifest does not start the JavaScript runtime.
    /// </remarks>
    public static bool IsToken(string? value) =>
        value is not null && value.Contains("${Token[", StringComparison.Ordinal) && Token.IsUnresolved(value);

    /// <summary>A value the user did not write: shown with the field it was taken from.</summary>
    /// <param name="Value">The value in effect.</param>
    /// <param name="From">The field path it was inherited (or defaulted) from, for example <c>services[0].container.memory</c>.</param>
    public sealed record Inherited(object? Value, string From);

    private static string Show(object? value) => value switch
    {
        null => "(missing)",
        Inherited i => $"{Show(i.Value)} (inherited from {i.From})",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        IEnumerable<string> list => "[" + string.Join(", ", list.Select(x => $"\"{x}\"")) + "]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "(null)",
    };

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountPattern();

    [GeneratedRegex("^[a-z]([a-z0-9-]*[a-z0-9])?$")]
    private static partial Regex DnsLabelPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")]
    private static partial Regex EmailPattern();
}
