using Slipway.Tests.TestSupport;

namespace Slipway.Tests;

/// <summary>The README's manifest reference (its C# app is <see cref="ReadmeAppTests"/>).</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void The_readme_manifest_reference_covers_every_schema_field()
    {
        var readme = File.ReadAllText(Repository.PathOf("README.md"));
        var schema = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Repository.PathOf("schema/slipway.schema.json")))!;
        var missing = new List<string>();
        void Walk(System.Text.Json.Nodes.JsonNode? node, string path)
        {
            foreach (var (name, child) in node?["properties"]?.AsObject() ?? new System.Text.Json.Nodes.JsonObject())
            {
                var field = path.Length == 0 ? name : $"{path}.{name}";
                if (!readme.Contains($"| `{field}` |", StringComparison.Ordinal))
                {
                    missing.Add(field);
                }
                Walk(child, field);
                Walk(child?["items"], field + "[]");
                foreach (var branch in child?["oneOf"]?.AsArray() ?? new System.Text.Json.Nodes.JsonArray())
                {
                    Walk(branch, field);
                }
            }
        }
        Walk(schema, "");
        Assert.Empty(missing);
    }
}
