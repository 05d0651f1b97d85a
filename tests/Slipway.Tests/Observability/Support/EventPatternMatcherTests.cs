using System.Text.Json.Nodes;

namespace Slipway.Tests.Observability.Support;

/// <summary>The matcher the rule tests rely on: it must reject as well as accept.</summary>
public sealed class EventPatternMatcherTests
{
    private static readonly JsonObject Event = JsonNode.Parse("""
        { "source": "aws.codepipeline", "resources": ["arn:a", "arn:b"],
          "detail": { "state": "FAILED", "attempt": 1, "type": { "category": "Deploy" } } }
        """)!.AsObject();

    [Theory]
    [InlineData("""{ "source": ["aws.codepipeline"] }""", true)]
    [InlineData("""{ "source": ["aws.codebuild", "aws.codepipeline"] }""", true)]
    [InlineData("""{ "source": ["aws.codebuild"] }""", false)]
    [InlineData("""{ "resources": ["arn:b"] }""", true)]
    [InlineData("""{ "resources": ["arn:c"] }""", false)]
    [InlineData("""{ "detail": { "state": ["FAILED"], "type": { "category": ["Deploy"] } } }""", true)]
    [InlineData("""{ "detail": { "type": { "category": ["Approval"] } } }""", false)]
    [InlineData("""{ "detail": { "attempt": [1] } }""", true)]
    [InlineData("""{ "detail": { "attempt": ["1"] } }""", false)]
    [InlineData("""{ "detail": { "missing": ["x"] } }""", false)]
    [InlineData("""{ "detail": { "state": { "x": ["FAILED"] } } }""", false)]
    public void Matches_exact_values_and_nested_fields(string pattern, bool expected)
    {
        Assert.Equal(expected, EventPatternMatcher.Matches(JsonNode.Parse(pattern)!.AsObject(), Event));
    }

    [Fact]
    public void Refuses_content_filters_it_does_not_implement()
    {
        var pattern = JsonNode.Parse("""{ "source": [{ "prefix": "aws." }] }""")!.AsObject();

        Assert.Throws<NotSupportedException>(() => EventPatternMatcher.Matches(pattern, Event));
    }

    [Fact]
    public void Selects_input_paths_and_reports_missing_ones_as_null()
    {
        Assert.Equal("Deploy", EventPatternMatcher.Select(Event, "$.detail.type.category")!.GetValue<string>());
        Assert.Null(EventPatternMatcher.Select(Event, "$.detail.stage"));
    }
}
