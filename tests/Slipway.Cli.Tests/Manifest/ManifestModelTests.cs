using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using Slipway.Cli.Manifest;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Manifest;

/// <summary>The JSON Schema and the C# records declare the same manifest, and the manifest binds straight into the records.</summary>
public sealed class ManifestModelTests
{
    private sealed record SchemaField(IReadOnlyList<string> Types, IReadOnlyList<string>? Enum, string? Default, bool Required);

    // Where the schema says more than the records can, each with the reason.
    private static readonly Dictionary<string, string> NarrowerEnums = new()
    {
        // Each check allows its own presets (PipelineValidation.Check says which); the record has one enum for both.
        ["services[].build.unitTests.preset"] = "unit-test presets",
        ["services[].build.staticAnalysis.preset"] = "analysis presets",
    };

    private static readonly Dictionary<string, string> KindDependentDefaults = new()
    {
        // TrafficShifting.Of: 10% for both, 5 minutes for canary, 1 for linear; the record's 0 is for allAtOnce.
        ["services[].environments[].trafficShifting.percentage"] = "depends on type",
        ["services[].environments[].trafficShifting.minutes"] = "depends on type",
    };

    private static readonly Dictionary<string, string> RequiredOnlyInObjectForm = new()
    {
        // The text form ("production") trusts the environment in every account; the mapping form exists to name one.
        ["github.environments[].account"] = "object form names the account",
    };

    /// <summary>Every field the schema declares, by path with [] for list items.</summary>
    private static Dictionary<string, SchemaField> SchemaFields(JsonNode schema)
    {
        var fields = new Dictionary<string, SchemaField>();
        void Properties(JsonNode node, string path)
        {
            var required = (node["required"] as JsonArray)?.Select(r => r!.GetValue<string>()).ToHashSet() ?? new HashSet<string>();
            foreach (var (name, child) in node["properties"]?.AsObject() ?? new JsonObject())
            {
                var childPath = path.Length == 0 ? name : $"{path}.{name}";
                fields.TryAdd(childPath, Describe(child!, required.Contains(name)));
                Into(child!, childPath);
            }
        }
        void Into(JsonNode node, string path)
        {
            Properties(node, path);
            foreach (var branch in (node["oneOf"] as JsonArray ?? new JsonArray()).Append(node))
            {
                if (branch!["items"] is JsonObject items)
                {
                    fields.TryAdd(path + "[]", Describe(items, false));
                    Into(items, path + "[]");
                }
                if (!ReferenceEquals(branch, node))
                {
                    Properties(branch, path);
                }
            }
        }
        Into(schema, "");
        return fields;
    }

    private static SchemaField Describe(JsonNode node, bool required)
    {
        IEnumerable<string> TypesOf(JsonNode n) => n["type"] is { } type
            ? new[] { type.GetValue<string>() == "object" && n["additionalProperties"] is JsonObject { } values && values["type"]?.GetValue<string>() == "string" ? "map" : type.GetValue<string>() }
            : (n["oneOf"] as JsonArray ?? new JsonArray()).SelectMany(b => TypesOf(b!));
        return new SchemaField(TypesOf(node).Distinct().Order().ToList(), (node["enum"] as JsonArray)?.Select(e => e!.GetValue<string>()).ToList(),
            node["default"]?.ToJsonString(), required);
    }

    private static string? Json(object? value) => value is null ? null : System.Text.Json.JsonSerializer.Serialize(value);

    /// <summary>Every difference between the schema and the records, one line each.</summary>
    public static List<string> Differences(string schemaText)
    {
        var schema = SchemaFields(JsonNode.Parse(schemaText)!);
        var model = ManifestModel.Fields().ToDictionary(f => f.Path);
        var differences = new List<string>();
        differences.AddRange(model.Keys.Except(schema.Keys).Select(p => $"{p}: a field of the records ({model[p].CSharpPath}) that the schema does not declare"));
        differences.AddRange(schema.Keys.Except(model.Keys).Select(p => $"{p}: a field of the schema that no record has"));
        foreach (var path in model.Keys.Intersect(schema.Keys).Order(StringComparer.Ordinal))
        {
            var (m, s) = (model[path], schema[path]);
            if (!m.Types.Order().SequenceEqual(s.Types))
            {
                differences.Add($"{path}: type {string.Join("|", m.Types.Order())} in the records, {string.Join("|", s.Types)} in the schema");
            }
            var enumsDiffer = NarrowerEnums.ContainsKey(path)
                ? s.Enum is null || !s.Enum.All(e => m.Enum?.Contains(e) == true)
                : !(m.Enum ?? Array.Empty<string>()).Order().SequenceEqual((s.Enum ?? Array.Empty<string>()).Order());
            if (enumsDiffer)
            {
                differences.Add($"{path}: values [{string.Join(", ", m.Enum ?? Array.Empty<string>())}] in the records, [{string.Join(", ", s.Enum ?? Array.Empty<string>())}] in the schema");
            }
            if (!KindDependentDefaults.ContainsKey(path) && Json(m.Default) != s.Default)
            {
                differences.Add($"{path}: default {Json(m.Default) ?? "none"} in the records, {s.Default ?? "none"} in the schema");
            }
            if (m.Required != s.Required && !RequiredOnlyInObjectForm.ContainsKey(path))
            {
                differences.Add($"{path}: {(m.Required ? "required" : "optional")} in the records, {(s.Required ? "required" : "optional")} in the schema");
            }
        }
        return differences;
    }

    [Fact]
    public void The_schema_declares_exactly_the_fields_of_the_records()
    {
        var differences = Differences(ManifestSchema.Text);
        Assert.True(differences.Count == 0, "schema/slipway.schema.json and the records differ:\n" + string.Join("\n", differences));
    }

    [Fact]
    public void The_equivalence_check_notices_each_kind_of_difference()
    {
        // Given the schema edited four ways: a default, an enum value, a required field and a new field.
        var schema = JsonNode.Parse(ManifestSchema.Text)!;
        var service = schema["properties"]!["services"]!["items"]!;
        service["properties"]!["container"]!["properties"]!["port"]!["default"] = 8081;
        service["properties"]!["container"]!["properties"]!["architecture"]!["enum"]!.AsArray().Add("riscv64");
        service["required"]!.AsArray().Add("costCenter");
        service["properties"]!["owner"] = new JsonObject { ["type"] = "string" };
        service["properties"]!.AsObject().Remove("permissionsBoundary");

        var differences = Differences(schema.ToJsonString());

        Assert.Equal(new[]
        {
            "services[].permissionsBoundary: a field of the records (ServiceDefinition.PermissionsBoundaryPolicyName) that the schema does not declare",
            "services[].owner: a field of the schema that no record has",
            "services[].container.architecture: values [x86_64, arm64] in the records, [x86_64, arm64, riscv64] in the schema",
            "services[].container.port: default 8080 in the records, 8081 in the schema",
            "services[].costCenter: optional in the records, required in the schema",
        }, differences);
    }

    [Fact]
    public void Every_field_of_the_every_field_manifest_binds_into_the_records()
    {
        var root = JToken.Parse(File.ReadAllText(Repository.PathOf("tests/Slipway.Cli.Tests/Manifest/every-field.json")));
        var services = ManifestBinder.Services(root);
        var github = ManifestBinder.GitHub(root)!;
        var leaves = 0;
        var wrong = new List<string>();
        foreach (var leaf in root.SelectTokens("$..*").OfType<JValue>())
        {
            var path = leaf.Path;
            var service = Regex.Match(path, @"^services\[(\d+)\]");
            var (type, instance, relative) = service.Success
                ? (typeof(ServiceDefinition), (object)services[int.Parse(service.Groups[1].Value, CultureInfo.InvariantCulture)], path[service.Length..])
                : (typeof(GitHubDeploySettings), github, path["github".Length..]);
            var csharp = ModelFields.CSharpPath(type, instance, relative);
            var bound = csharp is null ? "(no C# field)" : Written(Read(instance, csharp));
            if (bound != Written(leaf.Value))
            {
                wrong.Add($"{path} = {leaf} bound as {csharp}: {bound}");
            }
            leaves++;
        }
        Assert.Empty(wrong);
        // Every leaf of the schema is in the file (the schema equivalence test covers the rest).
        Assert.True(leaves > 120, $"{leaves} leaves");
    }

    [Fact]
    public void Enums_bind_by_their_manifest_names()
    {
        var service = Assert.Single(ManifestLoader.Load("slipway.yaml", ManifestLoaderTests.Valid
            .Replace("      unitTests:\n", "      computeType: BUILD_GENERAL1_2XLARGE\n      imageScan:\n        failOn: HIGH\n      unitTests:\n", StringComparison.Ordinal)
            .Replace("      healthCheckPath: /health\n", "      healthCheckPath: /health\n      architecture: arm64\n", StringComparison.Ordinal)
            .Replace("        region: us-east-1\n      - name: prod", "        region: us-east-1\n        trafficShifting: {type: linear, percentage: 20}\n      - name: prod", StringComparison.Ordinal)));

        Assert.Equal(BuildComputeType.X2Large, service.Build.ComputeType);
        Assert.Equal(Severity.High, service.Build.ImageScan.FailOn);
        Assert.Equal(new[] { "HIGH", "CRITICAL" }, ImageScanSettings.AtOrAbove(service.Build.ImageScan.FailOn));
        Assert.Equal(Architecture.ARM64, service.Container.Architecture);
        Assert.Equal(TrafficShifting.Linear(20, TrafficShifting.DefaultLinearMinutes), service.Environments[0].TrafficShifting);
        Assert.Equal("BUILD_GENERAL1_2XLARGE", BuildSettings.CodeBuildName(service.Build.ComputeType));
    }

    [Fact]
    public void The_readme_maps_every_manifest_field_to_its_csharp_property()
    {
        // Regenerate with SLIPWAY_WRITE_README=1 dotnet test --filter The_readme_maps_every_manifest_field.
        var readme = File.ReadAllText(Repository.PathOf("README.md")).Replace("\r", "", StringComparison.Ordinal);
        var table = ManifestModel.CSharpTable();
        const string header = "| manifest field | C# property | C# type |";
        var start = readme.IndexOf(header, StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no manifest-to-C# table");
        var end = readme.IndexOf("\n\n", start, StringComparison.Ordinal);
        var current = readme[start..(end < 0 ? readme.Length : end)];
        if (current != table && Environment.GetEnvironmentVariable("SLIPWAY_WRITE_README") == "1")
        {
            File.WriteAllText(Repository.PathOf("README.md"), readme.Replace(current, table, StringComparison.Ordinal));
            current = table;
        }
        Assert.Equal(table, current);
        Assert.Contains("| `services[].build.image` | `ServiceDefinition.Build.BuildImage` | `string?` |", table);
    }

    // A bound value as the manifest writes it.
    private static string Written(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        Enum e => ManifestNames.Of(e),
        TrafficShifting t => ManifestNames.Of(t.Kind),
        GitHubEnvironment e => e.Name,
        IReadOnlyList<string> { Count: 1 } list => list[0],
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    // Follows a C# path (.Name, [i], ["key"]) through the bound records.
    private static object? Read(object root, string csharpPath)
    {
        object? value = root;
        foreach (Match part in Regex.Matches("." + csharpPath, @"\.([A-Za-z0-9_]+)|\[(\d+)\]|\[""([^""]+)""\]"))
        {
            value = part.Groups[1].Success ? value?.GetType().GetProperty(part.Groups[1].Value)?.GetValue(value)
                : part.Groups[2].Success ? (value as System.Collections.IList)?[int.Parse(part.Groups[2].Value, CultureInfo.InvariantCulture)]
                : (value as IReadOnlyDictionary<string, string>)?[part.Groups[3].Value];
        }
        return value;
    }
}
