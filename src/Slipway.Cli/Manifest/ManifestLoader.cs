using System.Text.RegularExpressions;
using Slipway.Conventions;
using Slipway.CrossAccount;

namespace Slipway.Cli.Manifest;

/// <summary>A loaded manifest: its services and, when present, how GitHub Actions deploys them.</summary>
/// <param name="Services">The services, in manifest order.</param>
/// <param name="GitHub">The <c>github:</c> section, or null.</param>
public sealed record SlipwayManifest(IReadOnlyList<ServiceDefinition> Services, GitHubDeploySettings? GitHub);

/// <summary>
/// Reads <c>slipway.yaml</c>: YAML (YamlDotNet) → structure checked against the JSON Schema
/// (NJsonSchema) → mapped to <see cref="ServiceDefinition"/>s (and <see cref="GitHubDeploySettings"/>)
/// → everything validated by the library. All problems are reported together, each with file,
/// line and column.
/// </summary>
public static partial class ManifestLoader
{
    /// <summary>The manifest read when no file is given.</summary>
    public const string DefaultFile = "slipway.yaml";

    /// <summary>Loads and validates the manifest at <paramref name="path"/>; returns its services.</summary>
    public static IReadOnlyList<ServiceDefinition> LoadFile(string path) => LoadManifestFile(path).Services;

    /// <summary>Loads and validates manifest text; returns its services. <paramref name="fileName"/> is shown in errors.</summary>
    public static IReadOnlyList<ServiceDefinition> Load(string fileName, string text) => LoadManifest(fileName, text).Services;

    /// <summary>Loads and validates the manifest at <paramref name="path"/>, every section.</summary>
    public static SlipwayManifest LoadManifestFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ManifestException(new[] { $"{path}: no such file. Create it (copy one from examples/) or pass another with -f." });
        }
        return LoadManifest(path, File.ReadAllText(path));
    }

    /// <summary>Loads and validates manifest text, every section; <paramref name="fileName"/> is shown in errors.</summary>
    public static SlipwayManifest LoadManifest(string fileName, string text)
    {
        var doc = YamlDocument.Parse(fileName, text);
        var structural = ManifestSchema.Validate(doc).ToList();
        if (structural.Count > 0)
        {
            throw new ManifestException(structural);
        }

        var mapper = new ManifestMapper();
        var services = mapper.Map(doc.Root);
        var github = mapper.MapGitHub(doc.Root);
        var v = new Validator();
        foreach (var (service, i) in services.Select((s, i) => (s, i)))
        {
            service.Validate(v, $"services[{i}]");
        }
        foreach (var dup in services.Select((s, i) => (s, i)).GroupBy(x => x.s.Name).Where(g => g.Count() > 1))
        {
            v.Add($"services[{dup.Last().i}].name", dup.Key, "is the name of another service too. Service names must be unique in a manifest.");
        }
        github?.Validate(v, "github", services);
        if (v.Problems.Count > 0)
        {
            throw new ManifestException(v.Problems.Select(p => $"{doc.Locate(PathOf(p))}: {p}").ToList());
        }
        return new SlipwayManifest(services, github);
    }

    // A validator problem starts with its field path: "services[0].environments[1].account: ...".
    private static string PathOf(string problem)
    {
        var match = ProblemPath().Match(problem);
        return match.Success ? match.Groups[1].Value : "";
    }

    [GeneratedRegex(@"^([A-Za-z0-9_\[\]\.-]+):")]
    private static partial Regex ProblemPath();
}
