using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Slipway.Tests.Observability.Support;

/// <summary>
/// The recorded-event-shaped CodePipeline and CodeDeploy samples in
/// <c>Observability/DeliveryMetrics/events</c> (shared with the handler's node tests). They were
/// recorded for pipeline <see cref="RecordedPipeline"/> in <see cref="Account"/>/<see cref="Region"/>.
/// </summary>
public static class RecordedEvents
{
    /// <summary>The pipeline the samples were recorded for.</summary>
    public const string RecordedPipeline = "orders-pipeline";

    /// <summary>The samples' account.</summary>
    public const string Account = "111111111111";

    /// <summary>The samples' region.</summary>
    public const string Region = "eu-west-1";

    /// <summary>The samples' directory, found from this source file (tests run from the repository).</summary>
    public static string Directory { get; } = Locate();

    /// <summary>Every sample's name (file name without .json).</summary>
    public static IReadOnlyList<string> Names =>
        System.IO.Directory.GetFiles(Directory, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The sample <paramref name="name"/>, as recorded.</summary>
    public static JsonObject Load(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, name + ".json")))!.AsObject();

    /// <summary>
    /// The sample <paramref name="name"/> as pipeline <paramref name="pipelineName"/> (same account
    /// and region) would emit it: <c>detail.pipeline</c> and the pipeline ARN in <c>resources</c>
    /// name it instead of <see cref="RecordedPipeline"/>. Only the name changes.
    /// </summary>
    public static JsonObject LoadFor(string name, string pipelineName)
    {
        var evt = Load(name);
        if (evt["detail"]?["pipeline"]?.GetValue<string>() == RecordedPipeline)
        {
            evt["detail"]!["pipeline"] = pipelineName;
        }
        var resources = evt["resources"]!.AsArray();
        for (var i = 0; i < resources.Count; i++)
        {
            var arn = resources[i]!.GetValue<string>();
            if (arn.EndsWith(":" + RecordedPipeline, StringComparison.Ordinal) && arn.Contains(":codepipeline:", StringComparison.Ordinal))
            {
                resources[i] = arn[..^RecordedPipeline.Length] + pipelineName;
            }
        }
        return evt;
    }

    private static string Locate([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "DeliveryMetrics", "events"));
}
