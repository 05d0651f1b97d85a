using System.Text.Json.Nodes;

namespace Slipway.Tests.Observability.Support;

/// <summary>
/// EventBridge event-pattern matching, for the subset Slipway's rules use: every field named in
/// the pattern must be in the event; an array of values matches when the event's value (or, for
/// an array in the event, any of its elements) equals one of them exactly; an object matches
/// nested fields the same way. Content filters (prefix, anything-but, numeric, exists...) are not
/// implemented and make the matcher throw, so a rule using one cannot pass silently.
/// </summary>
/// <remarks>https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html</remarks>
public static class EventPatternMatcher
{
    /// <summary>True when <paramref name="evt"/> matches <paramref name="pattern"/>.</summary>
    public static bool Matches(JsonObject pattern, JsonObject evt)
    {
        foreach (var (field, expected) in pattern)
        {
            var actual = evt[field];
            if (actual is null)
            {
                return false;
            }
            switch (expected)
            {
                case JsonObject nested:
                    if (actual is not JsonObject nestedEvent || !Matches(nested, nestedEvent))
                    {
                        return false;
                    }
                    break;
                case JsonArray values:
                    if (values.Any(v => v is JsonObject))
                    {
                        throw new NotSupportedException($"Content filter in \"{field}\": {values.ToJsonString()} (only exact values are implemented).");
                    }
                    var candidates = actual is JsonArray list ? list.ToArray() : new[] { actual };
                    if (!candidates.Any(c => c is JsonValue && values.Any(v => JsonNode.DeepEquals(v, c))))
                    {
                        return false;
                    }
                    break;
                default:
                    throw new NotSupportedException($"Pattern field \"{field}\" must be an array or an object, not {expected?.ToJsonString()}.");
            }
        }
        return true;
    }

    /// <summary>
    /// The value at an InputTransformer path such as <c>$.detail.execution-id</c> (dot-separated
    /// field names; EventBridge's paths for these events need nothing more), or null when absent.
    /// </summary>
    public static JsonNode? Select(JsonObject evt, string path)
    {
        if (!path.StartsWith("$.", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Path {path} does not start with \"$.\".");
        }
        JsonNode? node = evt;
        foreach (var field in path[2..].Split('.'))
        {
            node = node is JsonObject o ? o[field] : null;
        }
        return node;
    }
}
