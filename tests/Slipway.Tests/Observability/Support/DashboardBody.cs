using System.Text.Json.Nodes;

namespace Slipway.Tests.Observability.Support;

/// <summary>One metric line of a dashboard graph: a metric, or a metric-math expression.</summary>
public sealed record DashboardMetric(
    string? Namespace,
    string? MetricName,
    IReadOnlyDictionary<string, string> Dimensions,
    string? Statistic,
    int? Period,
    string? Id,
    string? Expression,
    string? Label,
    bool Visible)
{
    /// <summary>Dimensions as "Name=Value" text, sorted (for readable assertions).</summary>
    public string DimensionText => string.Join(",", Dimensions.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"));
}

/// <summary>One widget of a dashboard.</summary>
public sealed record DashboardWidget(string Type, string? Title, int Width, IReadOnlyList<DashboardMetric> Metrics, string? Markdown, IReadOnlyList<string> Alarms);

/// <summary>
/// A synthesized <c>AWS::CloudWatch::Dashboard</c>'s body: the <c>Fn::Join</c> rendered to JSON
/// (see <see cref="CfnText"/>) and its widgets parsed, metrics in CloudWatch's array form
/// <c>[namespace, name, dim1, value1, ..., {options}]</c> or <c>[{expression options}]</c>.
/// </summary>
public sealed class DashboardBody
{
    public DashboardBody(string name, string json)
    {
        Name = name;
        Json = JsonNode.Parse(json)!.AsObject();
        Widgets = Json["widgets"]!.AsArray().Select(w => Widget(w!.AsObject())).ToList();
    }

    /// <summary>The dashboard's name.</summary>
    public string Name { get; }

    /// <summary>The parsed body.</summary>
    public JsonObject Json { get; }

    /// <summary>The widgets, in order.</summary>
    public IReadOnlyList<DashboardWidget> Widgets { get; }

    /// <summary>Every metric of every widget.</summary>
    public IEnumerable<DashboardMetric> Metrics => Widgets.SelectMany(w => w.Metrics);

    /// <summary>The single widget titled <paramref name="title"/>.</summary>
    public DashboardWidget Widget(string title) => Widgets.Single(w => w.Title == title);

    /// <summary>Reads the dashboard of <paramref name="resource"/> (an AWS::CloudWatch::Dashboard).</summary>
    public static DashboardBody From(JsonObject resource, CfnText text) =>
        new(resource["Properties"]!["DashboardName"]!.GetValue<string>(), text.Render(resource["Properties"]!["DashboardBody"]));

    private static DashboardWidget Widget(JsonObject widget)
    {
        var properties = widget["properties"]!.AsObject();
        var metrics = (properties["metrics"] as JsonArray ?? new JsonArray()).Select(m => Metric(m!.AsArray())).ToList();
        var alarms = (properties["alarms"] as JsonArray ?? new JsonArray()).Select(a => a!.GetValue<string>()).ToList();
        return new DashboardWidget(
            widget["type"]!.GetValue<string>(),
            properties["title"]?.GetValue<string>(),
            widget["width"]!.GetValue<int>(),
            metrics,
            properties["markdown"]?.GetValue<string>(),
            alarms);
    }

    private static DashboardMetric Metric(JsonArray line)
    {
        var options = line[^1] as JsonObject ?? new JsonObject();
        var parts = line.Where(p => p is JsonValue).Select(p => p!.GetValue<string>()).ToList();
        string? Option(string key) => options[key]?.ToString();
        if (options["expression"] is not null)
        {
            return new DashboardMetric(null, null, new Dictionary<string, string>(), null, options["period"]?.GetValue<int>(),
                Option("id"), Option("expression"), Option("label"), options["visible"]?.GetValue<bool>() ?? true);
        }
        var dimensions = new Dictionary<string, string>();
        for (var i = 2; i + 1 < parts.Count; i += 2)
        {
            dimensions[parts[i]] = parts[i + 1];
        }
        return new DashboardMetric(parts[0], parts[1], dimensions,
            // CloudWatch's default statistic is Average; CDK leaves it out then.
            Option("stat") ?? "Average",
            options["period"]?.GetValue<int>(), Option("id"), null, Option("label"), options["visible"]?.GetValue<bool>() ?? true);
    }
}
