using Amazon.CDK;
using Slipway.Cli.Manifest;
using Slipway.Cli.Synthesis;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Cli.Tests.Synthesis;

public sealed class ServiceSynthesisTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "slipway-context-" + Guid.NewGuid().ToString("N"));

    public ServiceSynthesisTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Manifest = """
        services:
          - name: orders
            costCenter: cc-1
            source:
              codecommit: {repository: orders}
            notifications:
              approvalEmails: [releases@example.com]
            environments:
              - name: staging
                account: "111111111111"
                region: ap-northeast-1
              - name: prod
                account: "111111111111"
                region: ap-northeast-1
                network:
                  availabilityZones: [ap-northeast-1a, ap-northeast-1c]
        """;

    [Fact]
    public void Context_invents_no_zones()
    {
        var services = ManifestLoader.Load("m.yaml", Manifest);

        var context = ServiceSynthesis.Context(services, "pr-1", Path.Combine(_dir, "cdk.context.json"));

        Assert.Equal(new[] { "environmentSuffix" }, context.Keys);
    }

    [Fact]
    public void Zones_recorded_in_cdk_context_json_reach_the_app_and_its_subnets()
    {
        var file = Path.Combine(_dir, "cdk.context.json");
        File.WriteAllText(file, """
            {
              "availability-zones:account=111111111111:region=ap-northeast-1": ["ap-northeast-1c", "ap-northeast-1d"],
              "availability-zones:account=999999999999:region=ap-northeast-1": ["ap-northeast-1a", "ap-northeast-1c"]
            }
            """);
        var services = ManifestLoader.Load("m.yaml", Manifest);

        var context = ServiceSynthesis.Context(services, null, file);

        // Only the services' own accounts and regions.
        Assert.Equal(new[] { AvailabilityZoneSettings.ContextKey("111111111111", "ap-northeast-1") }, context.Keys);
        var app = new App(new AppProps { Context = new Dictionary<string, object>(context), AnalyticsReporting = false, Outdir = Path.Combine(_dir, "out") });
        var stacks = SlipwayStacks.Add(app, services[0]);
        var assembly = app.Synth();
        string[] Zones(Stack stack) => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(assembly.GetStackByName(stack.StackName).TemplateFullPath))!["Resources"]!
            .AsObject().Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::Subnet")
            .Select(r => r.Value!["Properties"]!["AvailabilityZone"]!.GetValue<string>()).Distinct().Order().ToArray();
        // Recorded zones where none are declared; declared zones win where they are.
        Assert.Equal(new[] { "ap-northeast-1c", "ap-northeast-1d" }, Zones(stacks.Runtimes[0]));
        Assert.Equal(new[] { "ap-northeast-1a", "ap-northeast-1c" }, Zones(stacks.Runtimes[1]));
    }

    [Fact]
    public void A_manifest_without_zones_fails_before_synthesis_naming_the_manifest_field_and_line()
    {
        var manifest = ManifestLoader.Read("m.yaml", Manifest);

        var error = Assert.Throws<ManifestException>(() => ManifestSynthesis.CheckAvailabilityZones(manifest, null));

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith("m.yaml:9:9: services[0].environments[0].network.availabilityZones: (missing) is needed: the new VPC of staging (111111111111/ap-northeast-1)", problem);
        Assert.Contains("aws ec2 describe-availability-zones --region ap-northeast-1 --query \"AvailabilityZones[?State=='available'].ZoneName\"", problem);
        Assert.Contains("run `npx cdk synth` with credentials for 111111111111", problem);
    }
}
