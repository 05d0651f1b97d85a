using System.Text.Json.Nodes;
using Slipway.Cli.Manifest;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Manifest;

public sealed class ManifestSchemaTests
{
    /// <summary>Every field path the schema defines ("services[].container.port", ...).</summary>
    private static HashSet<string> SchemaPaths()
    {
        var paths = new HashSet<string>();
        void Walk(JsonNode? node, string path)
        {
            if (node is not JsonObject schema)
            {
                return;
            }
            if (schema["properties"] is JsonObject properties)
            {
                foreach (var (name, child) in properties)
                {
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    paths.Add(childPath);
                    Walk(child, childPath);
                }
            }
            if (schema["items"] is JsonObject items)
            {
                Walk(items, path + "[]");
            }
            foreach (var branch in (schema["oneOf"] as JsonArray ?? new JsonArray()))
            {
                Walk(branch, path);
            }
        }
        Walk(JsonNode.Parse(ManifestSchema.Text), "");
        return paths;
    }

    [Fact]
    public void Every_schema_field_reaches_the_library_and_the_mapper_reads_nothing_else()
    {
        // Given manifests that use every section of the schema (one source kind per service)
        var root = Newtonsoft.Json.Linq.JToken.Parse(File.ReadAllText(Repository.PathOf("tests/Slipway.Cli.Tests/Manifest/every-field.json")));
        var mapper = new ManifestMapper();
        mapper.Map(root);
        mapper.MapGitHub(root);
        var schema = SchemaPaths();
        var leaves = schema.Where(p => !schema.Any(q => q.StartsWith(p + ".", StringComparison.Ordinal) || q.StartsWith(p + "[].", StringComparison.Ordinal)));
        Assert.Empty(leaves.Except(mapper.ReadPaths).Order());
        Assert.Empty(mapper.ReadPaths.Except(schema).Order());
    }

    [Fact]
    public void Every_example_references_the_schema_and_validates_against_it()
    {
        var manifests = Directory.GetFiles(Repository.PathOf("examples"), "*.yaml").Append(Repository.PathOf("slipway.yaml")).ToList();
        Assert.True(manifests.Count >= 6);
        foreach (var file in manifests)
        {
            Assert.StartsWith("# yaml-language-server: $schema=", File.ReadLines(file).First());
            Assert.NotEmpty(ManifestLoader.LoadFile(file));
        }
    }

    [Fact]
    public void The_every_field_manifest_is_itself_schema_valid()
    {
        var doc = YamlDocument.Parse("every-field.json", File.ReadAllText(Repository.PathOf("tests/Slipway.Cli.Tests/Manifest/every-field.json")));
        Assert.Empty(ManifestSchema.Validate(doc));
    }
}
