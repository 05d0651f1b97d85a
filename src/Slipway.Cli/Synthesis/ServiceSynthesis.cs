using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Slipway.Conventions;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Cli.Synthesis;

/// <summary>
/// Synthesizes one service (its runtime stacks and its pipeline stack) into a cloud assembly of
/// its own. A service's stacks depend on nothing outside it (cross-account names are
/// deterministic, so there are no cross-stack references between services), so its templates are
/// the same whether it is synthesized alone or with the others; <see cref="CloudAssemblyMerge"/>
/// joins the parts.
/// </summary>
public static class ServiceSynthesis
{
    /// <summary>The file, written last into a service's assembly, that describes it.</summary>
    public const string UnitFile = "slipway-unit.json";

    /// <summary>The file the CDK CLI records context lookups in, next to cdk.json.</summary>
    public const string RecordedContextFile = "cdk.context.json";

    /// <summary>
    /// The CDK context Slipway gives the app: the suffix, if given, and the availability zones
    /// that cdk.context.json in the working directory records for the services' accounts and
    /// regions (written by the CDK CLI when it synthesized with credentials). Nothing is
    /// invented: an environment whose zones are neither declared nor recorded fails before
    /// synthesis (<see cref="Slipway.Model.AvailabilityZoneSettings.Check"/>). Under the CDK CLI
    /// its context (<c>CDK_CONTEXT_JSON</c>, cdk.context.json included) is read by the app
    /// itself and wins.
    /// </summary>
    public static SortedDictionary<string, object> Context(IEnumerable<ServiceDefinition> services, string? suffix) =>
        Context(services, suffix, Path.Combine(Directory.GetCurrentDirectory(), RecordedContextFile));

    /// <summary>The context of <see cref="Context(IEnumerable{ServiceDefinition}, string?)"/>, with zones recorded in <paramref name="recordedContextFile"/>.</summary>
    public static SortedDictionary<string, object> Context(IEnumerable<ServiceDefinition> services, string? suffix, string recordedContextFile)
    {
        var context = new SortedDictionary<string, object>(StringComparer.Ordinal);
        var recorded = File.Exists(recordedContextFile) ? JsonNode.Parse(File.ReadAllText(recordedContextFile)) as JsonObject : null;
        foreach (var (account, region) in services.SelectMany(s => s.Environments.Select(e => (e.Account, e.Region))
                     .Append((s.ToolingAccount, s.ToolingRegion))).Distinct())
        {
            var key = Slipway.Model.AvailabilityZoneSettings.ContextKey(account, region);
            if (recorded?[key] is JsonArray zones && zones.All(z => z is JsonValue v && v.TryGetValue<string>(out _)))
            {
                context[key] = zones.Select(z => z!.GetValue<string>()).ToArray();
            }
        }
        if (suffix is not null)
        {
            context[ResourceNames.SuffixContextKey] = suffix;
        }
        return context;
    }

    /// <summary>Synthesizes <paramref name="service"/> into <paramref name="outdir"/> and writes <see cref="UnitFile"/> there.</summary>
    public static void Run(ServiceDefinition service, string? suffix, string outdir)
    {
        JsiiWarmup.Wait();
        Commands.Timings.Lap("  wait for the jsii runtime (started in the background)");
        var app = new App(new AppProps
        {
            Outdir = outdir,
            Context = new Dictionary<string, object>(Context(new[] { service }, suffix)),
            // Keep templates small and stable: no CDK version or path metadata per resource.
            AnalyticsReporting = false,
            // Under the CDK CLI the app would synthesize again when the JavaScript runtime exits.
            AutoSynth = false,
        });
        Commands.Timings.Lap("  create the app");
        SlipwayStacks.Add(app, service);
        Commands.Timings.Lap($"  construct {service.Name}'s stacks");
        app.Synth();
        Commands.Timings.Lap("  app.Synth(): aspects, templates, assets");
        WriteUnitFile(outdir, ResourceNames.ClaimsOf(app));
    }

    // What the merge needs without parsing every template again: each stack's resource count and
    // size, and the physical names the service claimed (checked across services).
    private static void WriteUnitFile(string outdir, IReadOnlyDictionary<string, string> claims)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "manifest.json")))!;
        var stacks = new JsonObject();
        foreach (var (id, artifact) in manifest["artifacts"]!.AsObject())
        {
            if (artifact!["type"]!.GetValue<string>() != "aws:cloudformation:stack")
            {
                continue;
            }
            var template = Path.Combine(outdir, artifact["properties"]!["templateFile"]!.GetValue<string>());
            stacks[id] = new JsonObject { ["resources"] = Commands.SynthesizedStack.CountResources(template), ["bytes"] = new FileInfo(template).Length };
        }
        var unit = new JsonObject
        {
            ["stacks"] = stacks,
            ["claims"] = new JsonObject(claims.OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => KeyValuePair.Create(c.Key, (JsonNode?)JsonValue.Create(c.Value)))),
        };
        File.WriteAllText(Path.Combine(outdir, UnitFile), unit.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
