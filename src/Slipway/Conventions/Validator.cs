using System.Text.RegularExpressions;
using Amazon.CDK;

namespace Slipway.Conventions;

/// <summary>
/// Collects validation problems so that users see all of them at once, then throws once.
/// Every message follows the form <c>path: "value" problem. fix</c>. A value the user did not
/// write is shown with where it came from (<see cref="Inherited"/>); a value that may be a secret
/// is never shown (<see cref="Hidden"/>, <see cref="Shown"/>).
/// </summary>
internal sealed partial class Validator
{
    private readonly List<string> _problems = new();

    /// <summary>Problems collected so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>
    /// Tells which fields the author left out, so that a message about a default value says so
    /// (the manifest loader sets it from the manifest's text). Default: none is known.
    /// </summary>
    public Func<string, bool>? IsLeftOut { get; init; }

    /// <summary>
    /// True when the problems are for a manifest's author (the manifest loader sets it): then
    /// messages may give YAML advice. Default: false (a C# caller).
    /// </summary>
    public bool ForManifest { get; init; }

    /// <summary>
    /// Rewrites each problem before it is collected: <see cref="Slipway.Model.ServiceDefinition.Problems"/>
    /// turns the manifest-form field paths the checks write into C# property paths. Default: none.
    /// </summary>
    public Func<string, string>? Rewrite { get; init; }

    /// <summary>Records a problem with a field.</summary>
    public void Add(string path, object? value, string problem)
    {
        var message = value is not Inherited and not Hidden && IsLeftOut?.Invoke(path) == true
            ? $"{path}: {Show(value)} (the default: {path} is not set) {problem}"
            : $"{path}: {Show(value)} {problem}";
        _problems.Add(Rewrite is null ? message : Rewrite(message));
    }

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
            "is not a 12-digit AWS account id. Use the account number as text, for example \"123456789012\"" + (ForManifest ? " (quote it in YAML so leading zeros survive)." : "."));

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

    /// <summary>A value that must not appear in messages, logs or templates.</summary>
    /// <param name="Reason">Why it is hidden, shown in its place.</param>
    public sealed record Hidden(string Reason)
    {
        /// <summary>A rejected value of a field that names a secret: most likely the secret itself.</summary>
        public static Hidden SecretNotName { get; } = new("it looks like a secret, not a name");

        /// <summary>The value of a variable whose name says it is a secret.</summary>
        public static Hidden SecretValue { get; } = new("it looks like a secret");
    }

    /// <summary>
    /// What a message may show of a rejected value in a field that names a secret (a Secrets
    /// Manager secret or a Parameter Store parameter): the value when it looks like a name, else
    /// <see cref="Hidden.SecretNotName"/>. A name is lowercase letters, digits and the separators of
    /// secret names, ARNs and JSON keys; anything else (spaces, punctuation, mixed case, long
    /// runs of letters and digits, a known token prefix) may be a password pasted in by mistake.
    /// </summary>
    public static object? Shown(string? value) =>
        string.IsNullOrEmpty(value) || (!LooksLikeCredential(value) && ShownNamePattern().IsMatch(value)
            && !NameSeparators().Split(value).Any(part => part.Length >= 20 && part.Any(char.IsDigit) && part.Any(char.IsLetter)))
            ? value
            : Hidden.SecretNotName;

    /// <summary>
    /// True for text in a well-known credential format (GitHub, GitLab, Slack, npm, OpenAI-style
    /// and AWS access keys, PEM keys, JWTs). Such text is never echoed, whatever the field.
    /// </summary>
    public static bool LooksLikeCredential(string? value) =>
        value is not null && (CredentialPrefixes.Any(p => value.StartsWith(p, StringComparison.Ordinal))
            || value.Contains("-----BEGIN", StringComparison.Ordinal) || CredentialPattern().IsMatch(value));

    private static readonly string[] CredentialPrefixes =
    {
        "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "xoxs-", "npm_", "sk-", "AIza",
    };

    private static string Show(object? value) => value switch
    {
        null => "(missing)",
        Hidden h => $"(value hidden: {h.Reason})",
        Inherited i => $"{Show(i.Value)} (inherited from {i.From})",
        string s when LooksLikeCredential(s) => Show(Hidden.SecretValue),
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        IEnumerable<string> list => "[" + string.Join(", ", list.Select(x => Show(x))) + "]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "(null)",
    };

    [GeneratedRegex("^[a-z0-9/_+=.@:-]+$")]
    private static partial Regex ShownNamePattern();

    [GeneratedRegex("[/_+=.@:-]")]
    private static partial Regex NameSeparators();

    // AWS access key ids and JSON Web Tokens.
    [GeneratedRegex(@"^(AKIA|ASIA)[A-Z0-9]{16}$|^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.")]
    private static partial Regex CredentialPattern();

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountPattern();

    [GeneratedRegex("^[a-z]([a-z0-9-]*[a-z0-9])?$")]
    private static partial Regex DnsLabelPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")]
    private static partial Regex EmailPattern();
}
