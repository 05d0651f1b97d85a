using System.Text.Json.Nodes;
using Amazon.CDK.AWS.Events;

namespace Slipway.Tests.Observability.Support;

/// <summary>Reads synthesized EventBridge rules: their patterns and what their targets would send.</summary>
public static class EventRules
{
    /// <summary>The rule's event pattern with intrinsics (the pipeline ARN) rendered to text.</summary>
    public static JsonObject Pattern(ObservabilityScenario s, Rule rule)
    {
        var stack = Amazon.CDK.Stack.Of(rule);
        return s.Text(stack).Resolve(s.Properties(rule)["EventPattern"])!.AsObject();
    }

    /// <summary>The rule's targets as synthesized.</summary>
    public static IReadOnlyList<JsonObject> Targets(ObservabilityScenario s, Rule rule) =>
        s.Properties(rule)["Targets"]!.AsArray().Select(t => t!.AsObject()).ToList();

    /// <summary>
    /// What an InputTransformer sends for <paramref name="evt"/>: each &lt;key&gt; of the template
    /// replaced by the event's value at the key's path. Throws when a path is missing from the event
    /// (EventBridge would send an empty value).
    /// </summary>
    public static string Transform(JsonObject transformer, JsonObject evt)
    {
        // CDK writes a text message as a JSON string literal; SNS receives its content.
        var text = JsonNode.Parse(transformer["InputTemplate"]!.GetValue<string>())!.GetValue<string>();
        foreach (var (key, path) in transformer["InputPathsMap"]!.AsObject())
        {
            var value = EventPatternMatcher.Select(evt, path!.GetValue<string>())
                ?? throw new InvalidOperationException($"{path} is not in the event {evt["id"]}.");
            text = text.Replace($"<{key}>", value.ToString(), StringComparison.Ordinal);
        }
        return text;
    }
}
