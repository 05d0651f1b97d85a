namespace Slipway.Conventions;

/// <summary>
/// Thrown before synthesis when props or a manifest contain mistakes. The message lists every
/// problem found, one per line, each naming the field, the bad value and the fix.
/// </summary>
public sealed class SlipwayValidationException : Exception
{
    /// <summary>Creates the exception from the collected problems.</summary>
    public SlipwayValidationException(IReadOnlyList<string> problems)
        : base(Format(problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem found, in the order found.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(IReadOnlyList<string> problems) =>
        problems.Count == 1
            ? problems[0]
            : $"{problems.Count} problems found:{Environment.NewLine}" +
              string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
}
