using Amazon.CDK;
using Slipway.Build;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Tests;

/// <summary>The README's C# example is this code: it is compiled and run here.</summary>
public sealed class ReadmeExampleTests
{
    private static void Example(App app)
    {
        // README:begin
        SlipwayStacks.Add(app, new ServiceDefinition
        {
            Name = "orders",
            CostCenter = "cc-1234",
            Source = new GitHubConnectionSource("example-org", "orders-service",
                "arn:aws:codeconnections:us-east-1:111111111111:connection/5f0e4f1e-0000-4000-8000-000000000000"),
            Build = new BuildSettings { UnitTests = new CheckSettings { Preset = CheckPreset.Python } },
            Notifications = new NotificationSettings { ApprovalEmails = new[] { "releases@example.com" } },
            Environments = new[]
            {
                new DeploymentTarget { Name = "staging", Account = "111111111111", Region = "us-east-1" },
                new DeploymentTarget { Name = "prod", Account = "111111111111", Region = "us-east-1" },
            },
        });
        // README:end
    }

    [Fact]
    public void The_readme_shows_this_example_and_it_synthesizes()
    {
        var source = File.ReadAllText(Repository.PathOf("tests/Slipway.Tests/ReadmeExampleTests.cs")).Replace("\r", "");
        var start = source.IndexOf("// README:begin\n", StringComparison.Ordinal) + "// README:begin\n".Length;
        var example = string.Join("\n", source[start..source.IndexOf("        // README:end", StringComparison.Ordinal)].TrimEnd().Split('\n').Select(l => l.Length >= 8 ? l[8..] : l));
        Assert.Contains("```csharp\n" + example + "\n```", File.ReadAllText(Repository.PathOf("README.md")).Replace("\r", ""));

        var app = new App(new AppProps { Context = new Dictionary<string, object> { ["availability-zones:account=111111111111:region=us-east-1"] = new[] { "us-east-1a", "us-east-1b" } } });
        Example(app);
        Assert.Equal(3, app.Synth().Stacks.Length);
    }

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
