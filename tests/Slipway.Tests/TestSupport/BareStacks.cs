using System.Text.Json.Nodes;
using Amazon.CDK;

namespace Slipway.Tests.TestSupport;

/// <summary>
/// Bare stacks for standalone-construct tests: a new app, one stack with (or without) an
/// environment, and the synthesized template read back as JSON. No manifest, no Slipway stack class.
/// </summary>
public static class BareStacks
{
    public static Stack Create(string id = "Tooling", bool withEnvironment = true, string account = Services.Tooling, string region = "us-east-1")
    {
        var app = new App(new AppProps { AnalyticsReporting = false, Outdir = Path.Combine(Path.GetTempPath(), "slipway-tests-" + Guid.NewGuid().ToString("N")) });
        return new Stack(app, id, withEnvironment
            ? new StackProps { Env = new Amazon.CDK.Environment { Account = account, Region = region } }
            : new StackProps());
    }

    public static JsonObject Template(Stack stack)
    {
        var assembly = ((App)stack.Node.Root).Synth();
        return JsonNode.Parse(File.ReadAllText(assembly.GetStackByName(stack.StackName).TemplateFullPath))!.AsObject();
    }

    public static IEnumerable<(string LogicalId, JsonObject Resource)> Resources(JsonObject template, string type) =>
        template["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (r.Key, r.Value!.AsObject()));

    public static Dictionary<string, string> Tags(JsonObject resource) =>
        (resource["Properties"]?["Tags"] switch
        {
            JsonArray list => list.Select(t => (t!["Key"]!.GetValue<string>(), t["Value"]!.GetValue<string>())),
            JsonObject map => map.Select(t => (t.Key, t.Value!.GetValue<string>())),
            _ => Enumerable.Empty<(string, string)>(),
        }).ToDictionary(t => t.Item1, t => t.Item2);

    /// <summary>The tags of a resource without CDK's own (aws-cdk:...).</summary>
    public static Dictionary<string, string> SlipwayTagsOf(JsonObject resource) =>
        Tags(resource).Where(t => !t.Key.StartsWith("aws-cdk:", StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value);

    public static readonly IReadOnlyDictionary<string, string> StandaloneTags = new Dictionary<string, string>
    {
        ["CostCenter"] = "unassigned", ["Environment"] = "tooling", ["ManagedBy"] = "slipway", ["Project"] = "orders", ["Service"] = "orders",
    };
}
