using Slipway.Model;
namespace Slipway.Cli.Manifest;

/// <summary>A validated manifest: its services, and what they were read from.</summary>
/// <param name="FileName">The file, as given (shown in messages).</param>
/// <param name="Text">The manifest's text.</param>
/// <param name="Services">The services, in manifest order.</param>
/// <param name="Sections">
/// Each service's part of the manifest as compact JSON, in the same order: everything a service's
/// stacks are made from, so synthesis can reuse a service's templates while its section is unchanged.
/// </param>
/// <param name="GitHub">The <c>github:</c> section (how GitHub Actions deploys the app), or null.</param>
public sealed record LoadedManifest(string FileName, string Text, IReadOnlyList<ServiceDefinition> Services, IReadOnlyList<string> Sections,
    Slipway.Model.GitHubDeploySettings? GitHub = null)
{
    /// <summary>
    /// A <see cref="ManifestException"/> with each validator problem ("services[0]...: ...")
    /// prefixed by the file, line and column of its field (or of the nearest field above it).
    /// </summary>
    public ManifestException Problems(IEnumerable<string> problems)
    {
        var doc = YamlDocument.Parse(FileName, Text);
        return new ManifestException(problems.Select(p => $"{doc.Locate(ManifestLoader.PathOf(p))}: {p}").ToList());
    }

    /// <summary>
    /// The manifest's warnings (<see cref="Slipway.Model.EnvironmentWarnings"/>), each prefixed by
    /// the file, line and column of its field.
    /// </summary>
    public IReadOnlyList<string> Warnings()
    {
        var warnings = Services.SelectMany((s, i) => Slipway.Model.EnvironmentWarnings.For(s, $"services[{i}]")).ToList();
        if (warnings.Count == 0)
        {
            return warnings;
        }
        var doc = YamlDocument.Parse(FileName, Text);
        return warnings.Select(w => $"{doc.Locate(ManifestLoader.PathOf(w))}: {w}").ToList();
    }
}
