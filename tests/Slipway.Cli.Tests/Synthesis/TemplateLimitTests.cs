using System.Text.Json.Nodes;
using Slipway.Cli.Manifest;
using Slipway.Cli.Synthesis;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Synthesis;

/// <summary>A generated manifest with 25 services in dev, staging and prod, synthesized once (in parallel processes).</summary>
public sealed class TwentyFiveServices : IDisposable
{
    private readonly string _root = GeneratedManifest.TemporaryDirectory("slipway-25");

    public IReadOnlyList<SynthesizedTemplate> Templates { get; }

    public TwentyFiveServices()
    {
        var manifest = ManifestLoader.Read("twenty-five.yaml", GeneratedManifest.Text(25));
        var result = ManifestSynthesis.Run(manifest, Path.Combine(_root, "cdk.out"), new SynthesisOptions { CacheDirectory = Path.Combine(_root, "cache") });
        Templates = result.Stacks.Select(s => new SynthesizedTemplate(s.Name,
            JsonNode.Parse(File.ReadAllText(s.TemplatePath))!["Resources"]!.AsObject().Count, s.Bytes)).ToList();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>A template's name, resource count and size.</summary>
public sealed record SynthesizedTemplate(string Stack, int Resources, long Bytes);

/// <summary>
/// CloudFormation rejects a template with more than 500 resources or over 1 MB (uploaded through
/// S3, as the CDK CLI does). Slipway keeps a margin below both: a service that grows (more
/// checks, environments, alarms) fails here first, not at deploy time. The CDK CLI adds path
/// metadata to every resource, which makes deployed templates 4-10% larger than these (measured
/// in docs/performance.md); the 800 KB threshold leaves room for it.
/// </summary>
[Collection(ExampleManifests.Name)]
public sealed class TemplateLimitTests : IClassFixture<TwentyFiveServices>
{
    public const int MaxResources = 400;
    public const long MaxBytes = 800 * 1024;

    private readonly ExampleScenarios _examples;
    private readonly TwentyFiveServices _many;

    public TemplateLimitTests(ExampleScenarios examples, TwentyFiveServices many) => (_examples, _many) = (examples, many);

    public static TheoryData<string> Examples() => new(ExampleScenarios.Names);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_template_of_an_example_stays_well_below_cloudformation_limits(string example)
    {
        var scenario = _examples[example];
        var templates = scenario.AllJson.Select(t => new SynthesizedTemplate(t.Key, t.Value["Resources"]!.AsObject().Count, scenario.TemplateBytes[t.Key])).ToList();
        AssertWithinLimits(templates);
    }

    [Fact]
    public void Every_template_of_twenty_five_services_stays_well_below_cloudformation_limits()
    {
        Assert.Equal(100, _many.Templates.Count);
        AssertWithinLimits(_many.Templates);
    }

    private static void AssertWithinLimits(IReadOnlyList<SynthesizedTemplate> templates)
    {
        Assert.NotEmpty(templates);
        Assert.All(templates, t =>
        {
            Assert.True(t.Resources <= MaxResources, $"{t.Stack} has {t.Resources} resources; keep it at or below {MaxResources} (CloudFormation allows 500).");
            Assert.True(t.Bytes <= MaxBytes, $"{t.Stack} is {t.Bytes / 1024} KB; keep it at or below {MaxBytes / 1024} KB (CloudFormation allows 1 MB).");
        });
    }
}
