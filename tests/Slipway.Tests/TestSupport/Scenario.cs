using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Slipway.Conventions;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Tests.TestSupport;

/// <summary>
/// One synthesized app: built once per test class (through a fixture) and asserted many times.
/// Offers CDK's <see cref="Template"/> assertions and the raw JSON of every template.
/// </summary>
public sealed class Scenario
{
    /// <summary>The services' stacks, in order.</summary>
    public IReadOnlyList<ServiceStacks> Services { get; }

    /// <summary>Every stack of the app.</summary>
    public IReadOnlyList<Stack> Stacks { get; }

    // Every scenario's cloud assembly lives under one folder per test run, removed when it ends.
    private static readonly string OutputRoot = Path.Combine(Path.GetTempPath(), $"slipway-tests-{System.Environment.ProcessId}");

    static Scenario()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(OutputRoot, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover folder in /tmp is harmless.
            }
        };
    }

    private readonly Dictionary<string, Template> _templates = new();
    private readonly Dictionary<string, JsonObject> _json = new();
    private readonly Dictionary<string, long> _bytes = new();
    private readonly Dictionary<string, (string Account, string Region)> _environments = new();

    public Scenario(params ServiceDefinition[] services) : this(null, services)
    {
    }

    public Scenario(string? suffix, params ServiceDefinition[] services)
    {
        // The context the slipway command gives its app (ServiceSynthesis.Context: the suffix; zones
        // recorded in a cdk.context.json, which tests have none of), and the zones the CDK CLI would
        // have recorded for environments that declare none (the examples declare theirs).
        var context = new Dictionary<string, object>();
        if (suffix is not null)
        {
            context[ResourceNames.SuffixContextKey] = suffix;
        }
        foreach (var (key, zones) in RecordedZones(services))
        {
            context.TryAdd(key, zones);
        }
        var app = new App(new AppProps { Context = context, AnalyticsReporting = false, Outdir = Path.Combine(OutputRoot, Guid.NewGuid().ToString("N")) });
        Services = services.Select(s => SlipwayStacks.Add(app, s)).ToList();
        Stacks = Services.SelectMany(s => s.Runtimes.Cast<Stack>().Append(s.Pipeline)).ToList();
        var assembly = app.Synth();
        foreach (var stack in assembly.Stacks)
        {
            _json[stack.StackName] = JsonNode.Parse(File.ReadAllText(stack.TemplateFullPath))!.AsObject();
            _bytes[stack.StackName] = new FileInfo(stack.TemplateFullPath).Length;
            _environments[stack.StackName] = (stack.Environment.Account, stack.Environment.Region);
        }
    }

    /// <summary>
    /// What cdk.context.json would hold after `cdk synth` with credentials, for the environments of
    /// <paramref name="services"/> whose new VPC declares no zones: two zones of the region.
    /// </summary>
    public static IEnumerable<(string Key, string[] Zones)> RecordedZones(IEnumerable<ServiceDefinition> services) =>
        services.SelectMany(s => s.Environments)
            .Where(e => e.Network.AvailabilityZones is null && e.Network.ExistingVpc is null)
            .Select(e => (Slipway.Model.AvailabilityZoneSettings.ContextKey(e.Account, e.Region), new[] { e.Region + "b", e.Region + "c" }))
            .DistinctBy(x => x.Item1);

    /// <summary>CDK assertions on <paramref name="stack"/>.</summary>
    public Template Template(Stack stack)
    {
        if (!_templates.TryGetValue(stack.StackName, out var template))
        {
            _templates[stack.StackName] = template = Amazon.CDK.Assertions.Template.FromStack(stack);
        }
        return template;
    }

    /// <summary>The raw template of <paramref name="stack"/>.</summary>
    public JsonObject Json(Stack stack) => _json[stack.StackName];

    /// <summary>Every template, by stack name.</summary>
    public IReadOnlyDictionary<string, JsonObject> AllJson => _json;

    /// <summary>The account and region of every stack, by stack name.</summary>
    public IReadOnlyDictionary<string, (string Account, string Region)> Environments => _environments;

    /// <summary>The size of every template file in bytes, by stack name.</summary>
    public IReadOnlyDictionary<string, long> TemplateBytes => _bytes;

    /// <summary>The resources of <paramref name="stack"/> of CloudFormation type <paramref name="type"/>.</summary>
    public IEnumerable<(string LogicalId, JsonObject Resource)> Resources(Stack stack, string type) =>
        Json(stack)["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (r.Key, r.Value!.AsObject()));

    /// <summary>The single resource of <paramref name="type"/> in <paramref name="stack"/>.</summary>
    public JsonObject Single(Stack stack, string type) => Resources(stack, type).Single().Resource;
}
