using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Slipway.Tests.Observability.Support;

/// <summary>What the real handler emits for one metric.</summary>
public sealed record EmittedMetric(string Namespace, string Unit, IReadOnlyList<string> Dimensions);

/// <summary>
/// The metrics the delivery-metrics handler really emits: runs <c>index.js</c> under Node with an
/// in-memory store over every recorded sample event, and collects the Embedded Metric Format
/// declarations it writes (namespace, unit and dimension names per metric). Dashboards and alarms
/// are checked against this, not against a copy of the README.
/// </summary>
public static class HandlerMetrics
{
    private const string Script = """
        const path = require('node:path');
        const fs = require('node:fs');
        const [src, eventsDir] = process.argv.slice(1);
        const { createHandler } = require(path.join(src, 'index.js'));
        const { createMemoryStore } = require(path.join(src, 'store.js'));
        const lines = [];
        const config = { pipelines: { 'orders-pipeline': {
          service: 'orders', stages: { DeployDev: 'dev', DeployProd: 'prod' }, productionEnvironment: 'prod' } } };
        const handler = createHandler({ store: createMemoryStore(), config, log: (line) => lines.push(line) });
        (async () => {
          const files = fs.readdirSync(eventsDir).filter((f) => f.endsWith('.json')).sort();
          for (const f of files) await handler(JSON.parse(fs.readFileSync(path.join(eventsDir, f), 'utf8')));
          const out = {};
          for (const line of lines) {
            const doc = JSON.parse(line);
            if (!doc._aws) continue;
            for (const m of doc._aws.CloudWatchMetrics) {
              for (const metric of m.Metrics) {
                out[metric.Name] = { namespace: m.Namespace, unit: metric.Unit, dimensions: [...m.Dimensions[0]].sort() };
              }
            }
          }
          process.stdout.write(JSON.stringify(out));
        })().catch((err) => { console.error(err); process.exit(1); });
        """;

    private static readonly Lazy<IReadOnlyDictionary<string, EmittedMetric>> Emitted = new(Run);

    /// <summary>Metric name → what the handler emits for it.</summary>
    public static IReadOnlyDictionary<string, EmittedMetric> All => Emitted.Value;

    /// <summary>The handler's source directory.</summary>
    public static string SourceDirectory { get; } = Locate();

    private static IReadOnlyDictionary<string, EmittedMetric> Run()
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-e", Script, SourceDirectory, RecordedEvents.Directory })
        {
            start.ArgumentList.Add(arg);
        }
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node could not be started (Node.js 22+ must be on PATH; build.sh puts the pinned one there).");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        if (!node.WaitForExit(60_000))
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException("The handler run did not finish in 60 s.");
        }
        if (node.ExitCode != 0)
        {
            throw new InvalidOperationException($"The handler run failed ({node.ExitCode}): {stderr.Result}");
        }
        return JsonNode.Parse(stdout.Result)!.AsObject().ToDictionary(
            m => m.Key,
            m => new EmittedMetric(m.Value!["namespace"]!.GetValue<string>(), m.Value!["unit"]!.GetValue<string>(),
                m.Value!["dimensions"]!.AsArray().Select(d => d!.GetValue<string>()).ToList()));
    }

    private static string Locate([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "..", "src", "Slipway", "Observability", "DeliveryMetrics"));
}
