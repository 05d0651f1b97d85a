using System.Text.RegularExpressions;
using Slipway.Conventions;
using Slipway.Access;
using Slipway.Model;

namespace Slipway.Cli.Manifest;

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

    /// <summary>Loads and validates the manifest at <paramref name="path"/>.</summary>
    public static IReadOnlyList<ServiceDefinition> LoadFile(string path) => ReadFile(path).Services;

    /// <summary>Loads and validates manifest text; <paramref name="fileName"/> is shown in errors.</summary>
    public static IReadOnlyList<ServiceDefinition> Load(string fileName, string text) => Read(fileName, text).Services;

    /// <summary>Loads and validates the manifest at <paramref name="path"/>, keeping its text and each service's section.</summary>
    public static LoadedManifest ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ManifestException(new[] { $"{path}: no such file. Create it (copy one from examples/) or pass another with -f." });
        }
        return Read(path, ManifestLimits.ReadText(path));
    }

    /// <summary>Loads and validates manifest text, keeping the text and each service's section.</summary>
    public static LoadedManifest Read(string fileName, string text)
    {
        var doc = YamlDocument.Parse(fileName, text);
        ManifestLimits.CheckCounts(doc);
        var structural = ManifestSchema.Validate(doc).ToList();
        if (structural.Count > 0)
        {
            throw new ManifestException(structural);
        }

        var services = ManifestBinder.Services(doc.Root);
        var github = ManifestBinder.GitHub(doc.Root);
        if (doc.Root.SelectTokens("$..*").Any(t => t is Newtonsoft.Json.Linq.JValue { Type: Newtonsoft.Json.Linq.JTokenType.String, Value: string s } && s.Contains("${Token[", StringComparison.Ordinal)))
        {
            // Only then does validation call into the jsii runtime, which a warm-up may be starting.
            Synthesis.JsiiWarmup.Wait();
        }
        // A value the manifest leaves out is a default: messages about it say so.
        var v = new Validator { IsLeftOut = path => ManifestSchema.IsField(path) && !doc.Contains(path), ForManifest = true };
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
        var sections = doc.Root["services"]!.Select(s => s.ToString(Newtonsoft.Json.Formatting.None)).ToList();
        return new LoadedManifest(fileName, text, services, sections, github);
    }

    // A validator problem starts with its field path: "services[0].environments[1].account: ...".
    internal static string PathOf(string problem)
    {
        var match = ProblemPath().Match(problem);
        return match.Success ? match.Groups[1].Value : "";
    }

    [GeneratedRegex(@"^([A-Za-z0-9_\[\]\.-]+):")]
    private static partial Regex ProblemPath();
}
