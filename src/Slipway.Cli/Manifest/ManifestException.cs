namespace Slipway.Cli.Manifest;

/// <summary>A manifest with mistakes: every problem, each with file, line, field, value and fix.</summary>
public sealed class ManifestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ManifestException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    /// <summary>The problems, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
