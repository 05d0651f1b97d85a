using System.Text.Json.Nodes;
using Slipway.Cli.Commands;
using Slipway.Cli.Manifest;
using Slipway.Cli.Synthesis;
using Slipway.Conventions;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Synthesis;

/// <summary>
/// Three services synthesized through the cache (the first time in two processes), then again
/// with one service changed, and the changed manifest once more as one app in this process.
/// </summary>
public sealed class CachedSynthesis : IDisposable
{
    public const int ChangedService = 1;

    public string Cache { get; } = GeneratedManifest.TemporaryDirectory("slipway-cache");
    public string First { get; }
    public string Second { get; }
    public string OneApp { get; }
    public SynthesisResult FirstRun { get; }
    public SynthesisResult SecondRun { get; }
    public SynthesisResult ThirdRun { get; }
    public LoadedManifest Changed { get; }

    public CachedSynthesis()
    {
        var root = GeneratedManifest.TemporaryDirectory("slipway-synthesis");
        (First, Second, OneApp) = (Path.Combine(root, "first"), Path.Combine(root, "second"), Path.Combine(root, "one-app"));
        var original = ManifestLoader.Read("three.yaml", GeneratedManifest.Text(3));
        Changed = ManifestLoader.Read("three.yaml", GeneratedManifest.Text(3, ChangedService));

        FirstRun = ManifestSynthesis.Run(original, First, new SynthesisOptions { CacheDirectory = Cache, Jobs = 2 });
        SecondRun = ManifestSynthesis.Run(Changed, Second, new SynthesisOptions { CacheDirectory = Cache, Jobs = 2 });
        ThirdRun = ManifestSynthesis.Run(Changed, Path.Combine(root, "third"), new SynthesisOptions { CacheDirectory = Cache });
        SlipwayApp.Synthesize(Changed.Services, OneApp);
    }

    public void Dispose() => Directory.Delete(Cache, recursive: true);
}

public sealed class ManifestSynthesisTests : IClassFixture<CachedSynthesis>
{
    private readonly CachedSynthesis _s;

    public ManifestSynthesisTests(CachedSynthesis s) => _s = s;

    private static IEnumerable<string> Files(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal);

    private IEnumerable<string> TemplatesOf(string dir, int service) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!["artifacts"]!.AsObject()
            .Where(a => a.Value!["type"]!.GetValue<string>() == "aws:cloudformation:stack"
                        && a.Value["properties"]!["tags"]!["Service"]!.GetValue<string>() == _s.Changed.Services[service].Name)
            .Select(a => a.Value!["properties"]!["templateFile"]!.GetValue<string>());

    [Fact]
    public void First_synthesis_makes_every_service()
    {
        Assert.Equal((3, 0), (_s.FirstRun.Synthesized, _s.FirstRun.Reused));
        Assert.Equal(12, _s.FirstRun.Stacks.Count);
    }

    [Fact]
    public void A_change_to_one_service_synthesizes_that_service_again_and_reuses_the_others()
    {
        Assert.Equal((1, 2), (_s.SecondRun.Synthesized, _s.SecondRun.Reused));
    }

    [Fact]
    public void Reused_services_templates_are_byte_identical()
    {
        foreach (var service in new[] { 0, 2 })
        {
            var templates = TemplatesOf(_s.Second, service).ToList();
            Assert.Equal(4, templates.Count);
            Assert.All(templates, t => Assert.Equal(File.ReadAllBytes(Path.Combine(_s.First, t)), File.ReadAllBytes(Path.Combine(_s.Second, t))));
        }
    }

    [Fact]
    public void The_changed_service_gets_its_new_settings()
    {
        var prod = TemplatesOf(_s.Second, CachedSynthesis.ChangedService).Single(t => t.Contains("ProdRuntime", StringComparison.Ordinal));
        var service = JsonNode.Parse(File.ReadAllText(Path.Combine(_s.Second, prod)))!["Resources"]!.AsObject()
            .Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::ECS::Service").Value!;
        Assert.Equal(4, service["Properties"]!["DesiredCount"]!.GetValue<int>());
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(_s.First, prod)), File.ReadAllBytes(Path.Combine(_s.Second, prod)));
    }

    [Fact]
    public void The_joined_assembly_is_byte_identical_to_synthesizing_one_app()
    {
        // Templates, asset manifests, assets, manifest.json and tree.json: what the CDK CLI deploys.
        Assert.Equal(Files(_s.OneApp), Files(_s.Second));
        Assert.All(Files(_s.OneApp), f => Assert.True(
            File.ReadAllBytes(Path.Combine(_s.OneApp, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(_s.Second, f))), $"{f} differs"));
    }

    [Fact]
    public void Nothing_is_synthesized_when_nothing_changed()
    {
        Assert.Equal((0, 3), (_s.ThirdRun.Synthesized, _s.ThirdRun.Reused));
        Assert.Equal(_s.SecondRun.Stacks.Select(s => (s.Name, s.Resources, s.Bytes)), _s.ThirdRun.Stacks.Select(s => (s.Name, s.Resources, s.Bytes)));
    }

    [Fact]
    public void Every_input_of_a_service_is_part_of_its_cache_key()
    {
        var section = _s.Changed.Sections[0];
        var context = ServiceSynthesis.Context(new[] { _s.Changed.Services[0] }, null);
        var cli = SynthesisCache.EnvironmentContext("{\"environmentSuffix\":\"dev\",\"manifest\":\"a.yaml\"}", null);
        var key = SynthesisCache.Key(section, context, cli);

        Assert.Equal(key, SynthesisCache.Key(section, context, SynthesisCache.EnvironmentContext("{\"manifest\":\"b.yaml\",\"environmentSuffix\":\"dev\"}", null)));
        Assert.NotEqual(key, SynthesisCache.Key(section.Replace("\"info\"", "\"warn\"", StringComparison.Ordinal), context, cli));
        Assert.NotEqual(key, SynthesisCache.Key(section, ServiceSynthesis.Context(new[] { _s.Changed.Services[0] }, "pr-42"), cli));
        Assert.NotEqual(key, SynthesisCache.Key(section, context, SynthesisCache.EnvironmentContext("{\"environmentSuffix\":\"qa\"}", null)));
        Assert.NotEqual(key, SynthesisCache.Key(section, context, SynthesisCache.EnvironmentContext(null, "{\"@aws-cdk/core:newStyleStackSynthesis\":true}")));
    }

    [Fact]
    public void Services_synthesized_apart_still_may_not_share_a_physical_name()
    {
        var error = Assert.Throws<SlipwayValidationException>(() => ResourceNames.CheckDistinct(new[]
        {
            new Dictionary<string, string> { ["IAM role/a-b-prod-deploy-dev"] = "ABProdRuntimeDev/PipelineAccess/DeployRole" },
            new Dictionary<string, string> { ["IAM role/a-b-prod-deploy-dev"] = "AcmeBProdRuntimeDev/PipelineAccess/DeployRole" },
        }));
        Assert.Contains("\"a-b-prod-deploy-dev\" is already the name of the IAM role at ABProdRuntimeDev/PipelineAccess/DeployRole", error.Message);
    }
}
