using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Cli.Commands;
using Slipway.Conventions;

namespace Slipway.Cli.Synthesis;

/// <summary>
/// Joins the cloud assemblies of several services into the one the CDK CLI deploys: the
/// templates, asset manifests and asset directories side by side; manifest.json with every
/// service's artifacts in order and the tree artifact last, as CDK writes it for one app; and
/// tree.json with every service's stacks under the app.
/// </summary>
public static class CloudAssemblyMerge
{
    private static readonly JsonSerializerOptions Output = new()
    {
        WriteIndented = true,
        // As JSON.stringify writes it: no escaping of <, >, & or non-ASCII characters.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly HashSet<string> AssemblyFiles = new(StringComparer.Ordinal)
    {
        "manifest.json", "tree.json", "cdk.out", ServiceSynthesis.UnitFile, SynthesisCache.DigestFile,
    };

    /// <summary>
    /// Writes the assembly made of <paramref name="units"/> (directories written by
    /// <see cref="ServiceSynthesis.Run"/>, in manifest order) into <paramref name="outdir"/>, and
    /// returns its stacks in order. Fails, as one app would, when two services claim the same
    /// physical name or stack.
    /// </summary>
    public static IReadOnlyList<SynthesizedStack> Write(IReadOnlyList<string> units, string outdir)
    {
        if (units.Count == 0)
        {
            throw new ArgumentException("Nothing to merge.", nameof(units));
        }
        var unitFiles = units.Select(u => JsonNode.Parse(File.ReadAllText(Path.Combine(u, ServiceSynthesis.UnitFile)))!).ToList();
        ResourceNames.CheckDistinct(unitFiles.Select(f => (IReadOnlyDictionary<string, string>)f["claims"]!.AsObject()
            .ToDictionary(c => c.Key, c => c.Value!.GetValue<string>())));

        Directory.CreateDirectory(outdir);
        AtomicFiles.RemoveLeftovers(outdir);
        var manifests = units.Select(u => JsonNode.Parse(File.ReadAllText(Path.Combine(u, "manifest.json")))!.AsObject()).ToList();

        var artifacts = new JsonObject();
        KeyValuePair<string, JsonNode?>? treeArtifact = null;
        var owner = new Dictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (manifest, i) in manifests.Select((m, i) => (m, i)))
        {
            foreach (var (id, artifact) in manifest["artifacts"]!.AsObject())
            {
                if (artifact!["type"]!.GetValue<string>() == "cdk:tree")
                {
                    treeArtifact ??= KeyValuePair.Create(id, (JsonNode?)artifact.DeepClone());
                }
                else if (owner.TryGetValue(id, out var first) && SameStack(units[first], units[i], manifests[first]["artifacts"]![id]!, artifact))
                {
                    // A shared network: every service that shares it writes the same stack, byte for byte.
                    continue;
                }
                else if (owner.TryGetValue(id, out first))
                {
                    problems.Add($"services[{i}]: the stack or artifact \"{id}\" is also made by services[{first}]. Give the services distinct names or companies.");
                }
                else
                {
                    owner[id] = i;
                    artifacts[id] = artifact.DeepClone();
                }
            }
        }
        if (problems.Count > 0)
        {
            throw new SlipwayValidationException(problems);
        }
        if (treeArtifact is { } tree)
        {
            artifacts[tree.Key] = tree.Value;
        }

        var merged = new JsonObject { ["version"] = manifests[0]["version"]!.DeepClone(), ["artifacts"] = artifacts };
        // Anything else CDK may write at the top (for example "missing" context lookups, which the
        // CDK CLI performs before running the app again): lists are joined, other values kept once.
        foreach (var manifest in manifests)
        {
            foreach (var (key, value) in manifest)
            {
                if (key is "version" or "artifacts")
                {
                    continue;
                }
                if (value is JsonArray list)
                {
                    var into = merged[key] as JsonArray ?? (JsonArray)(merged[key] = new JsonArray());
                    foreach (var item in list.Where(x => !into.Any(y => JsonNode.DeepEquals(x, y))))
                    {
                        into.Add(item!.DeepClone());
                    }
                }
                else if (!merged.ContainsKey(key))
                {
                    merged[key] = value?.DeepClone();
                }
            }
        }

        foreach (var unit in units)
        {
            CopyContent(unit, outdir);
        }
        AtomicFiles.Copy(Path.Combine(units[0], "cdk.out"), Path.Combine(outdir, "cdk.out"));
        AtomicFiles.Write(Path.Combine(outdir, "tree.json"), temporary => WriteTree(units, temporary));
        // manifest.json last: the CDK CLI reads it first, and it names only files already written.
        AtomicFiles.WriteText(Path.Combine(outdir, "manifest.json"), merged.ToJsonString(Output));

        // A shared network's stack is in several units (the same stack): its facts once.
        var stackFacts = unitFiles.SelectMany(f => f["stacks"]!.AsObject()).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.First().Value!);
        return artifacts.Where(a => a.Value!["type"]!.GetValue<string>() == "aws:cloudformation:stack").Select(a =>
        {
            var properties = a.Value!["properties"]!;
            var environment = a.Value["environment"]!.GetValue<string>()["aws://".Length..].Split('/');
            var facts = stackFacts[a.Key];
            return new SynthesizedStack(
                properties["stackName"]?.GetValue<string>() ?? a.Key,
                environment[0],
                environment[1],
                facts["resources"]!.GetValue<int>(),
                facts["bytes"]!.GetValue<long>(),
                Path.Combine(outdir, properties["templateFile"]!.GetValue<string>()));
        }).ToList();
    }

    // The same stack (or asset manifest) from two units: the same artifact and the same file bytes.
    private static bool SameStack(string unitA, string unitB, JsonNode a, JsonNode b)
    {
        if (!JsonNode.DeepEquals(a, b))
        {
            return false;
        }
        var file = a["properties"]?["templateFile"]?.GetValue<string>() ?? a["properties"]?["file"]?.GetValue<string>();
        return file is not null && File.ReadAllBytes(Path.Combine(unitA, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(unitB, file)));
    }

    // tree.json: the app's node of the first service's tree, with every service's stacks as its
    // children and then CDK's "Tree" construct, as one app writes it. Streamed: the trees are the
    // largest files of an assembly (about 150 KB per stack).
    private static void WriteTree(IReadOnlyList<string> units, string file)
    {
        var trees = units.Select(u => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(u, "tree.json")))).ToList();
        try
        {
            using var stream = File.Create(file);
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = Output.Encoder });
            writer.WriteStartObject();
            foreach (var top in trees[0].RootElement.EnumerateObject())
            {
                if (top.Name != "tree")
                {
                    top.WriteTo(writer);
                    continue;
                }
                writer.WritePropertyName("tree");
                writer.WriteStartObject();
                foreach (var field in top.Value.EnumerateObject())
                {
                    if (field.Name != "children")
                    {
                        field.WriteTo(writer);
                        continue;
                    }
                    writer.WritePropertyName("children");
                    writer.WriteStartObject();
                    var written = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var child in trees.SelectMany(t => t.RootElement.GetProperty("tree").GetProperty("children").EnumerateObject()).Where(c => c.Name != "Tree"))
                    {
                        // A shared network's stack appears in the tree of each service that shares it.
                        if (written.Add(child.Name))
                        {
                            child.WriteTo(writer);
                        }
                    }
                    if (field.Value.TryGetProperty("Tree", out var treeConstruct))
                    {
                        writer.WritePropertyName("Tree");
                        treeConstruct.WriteTo(writer);
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        finally
        {
            trees.ForEach(t => t.Dispose());
        }
    }

    // Templates and asset manifests replace older copies whole (AtomicFiles); asset directories are
    // named by the hash of their content, so one that exists already is the same and is left as it is.
    private static void CopyContent(string unit, string outdir)
    {
        foreach (var file in Directory.EnumerateFiles(unit))
        {
            var name = Path.GetFileName(file);
            if (!AssemblyFiles.Contains(name))
            {
                AtomicFiles.Copy(file, Path.Combine(outdir, name));
            }
        }
        foreach (var dir in Directory.EnumerateDirectories(unit))
        {
            var target = Path.Combine(outdir, Path.GetFileName(dir));
            if (!Directory.Exists(target))
            {
                CopyDirectory(dir, target);
            }
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        var staging = AtomicFiles.TemporaryName(target);
        try
        {
            Directory.CreateDirectory(staging);
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(staging, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }
            Directory.Move(staging, target);
        }
        catch (IOException) when (Directory.Exists(target))
        {
            // Another synthesis into the same directory put it there first; the content is the same.
            Directory.Delete(staging, recursive: true);
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
            throw;
        }
    }
}
