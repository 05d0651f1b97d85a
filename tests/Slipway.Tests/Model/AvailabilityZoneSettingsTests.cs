using System.Text.Json.Nodes;
using Amazon.CDK;
using Slipway.Conventions;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Tests.Model;

public sealed class AvailabilityZoneSettingsTests
{
    private static readonly string OutputRoot = Path.Combine(Path.GetTempPath(), $"slipway-zones-{System.Environment.ProcessId}");

    private static App NewApp(Dictionary<string, object>? context = null) =>
        new(new AppProps { Context = context ?? new Dictionary<string, object>(), AnalyticsReporting = false, Outdir = Path.Combine(OutputRoot, Guid.NewGuid().ToString("N")) });

    private static ServiceDefinition WithZones(params string[] zones) => Services.SingleAccount(envs =>
    {
        envs[0] = new DeploymentTarget { Name = "staging", Account = Services.Tooling, Region = "us-east-1", Network = new NetworkSettings { AvailabilityZones = zones } };
        envs[1] = new DeploymentTarget { Name = "prod", Account = Services.Tooling, Region = "us-east-1", Network = new NetworkSettings { AvailabilityZones = zones } };
    });

    private static List<string> SubnetZones(Amazon.CDK.CXAPI.CloudAssembly assembly, string stackName)
    {
        var template = JsonNode.Parse(File.ReadAllText(assembly.GetStackByName(stackName).TemplateFullPath))!;
        return template["Resources"]!.AsObject().Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::Subnet")
            .Select(r => r.Value!["Properties"]!["AvailabilityZone"]!.GetValue<string>()).ToList();
    }

    [Fact]
    public void A_csharp_app_without_declared_or_recorded_zones_fails_before_synthesis_and_says_how_to_fix_it()
    {
        var app = NewApp();

        var error = Assert.Throws<SlipwayValidationException>(() => SlipwayStacks.Add(app, Services.SingleAccount()));

        var command = "aws ec2 describe-availability-zones --region us-east-1 --query \"AvailabilityZones[?State=='available'].ZoneName\"";
        Assert.Equal(new[]
        {
            "ServiceDefinition.Environments[0].Network.AvailabilityZones: (missing) is needed: the new VPC of staging (111111111111/us-east-1) needs the real availability zone names of that account, " +
            "and the CDK context has none (\"availability-zones:account=111111111111:region=us-east-1\", which the CDK CLI records in cdk.context.json). " +
            $"Declare two or more (`{command}` lists them; run it with credentials for 111111111111), " +
            "or run `npx cdk synth` with credentials for 111111111111, which looks them up and records them in cdk.context.json.",
            "ServiceDefinition.Environments[1].Network.AvailabilityZones: (missing) is needed: the new VPC of prod (111111111111/us-east-1) needs the real availability zone names of that account, " +
            "and the CDK context has none (\"availability-zones:account=111111111111:region=us-east-1\", which the CDK CLI records in cdk.context.json). " +
            $"Declare two or more (`{command}` lists them; run it with credentials for 111111111111), " +
            "or run `npx cdk synth` with credentials for 111111111111, which looks them up and records them in cdk.context.json.",
        }, error.Problems);
        // Nothing was added: no stack with placeholder zones.
        Assert.Empty(app.Node.Children.OfType<Stack>());
    }

    [Fact]
    public void Declared_zones_are_the_subnets_zones_and_nothing_is_left_to_look_up()
    {
        var app = NewApp();

        var stacks = SlipwayStacks.Add(app, WithZones("us-east-1d", "us-east-1f"));
        var assembly = app.Synth();

        var zones = SubnetZones(assembly, stacks.Runtimes[0].StackName);
        Assert.Equal(4, zones.Count);
        Assert.Equal(new[] { "us-east-1d", "us-east-1f" }, zones.Distinct().Order());
        // No missing context: the CDK CLI would not try a lookup, so no credentials are needed.
        Assert.True(assembly.Manifest.Missing is null || assembly.Manifest.Missing.Length == 0);
    }

    [Fact]
    public void Three_declared_zones_give_three_subnets_of_each_kind()
    {
        var app = NewApp();

        var stacks = SlipwayStacks.Add(app, WithZones("us-east-1a", "us-east-1c", "us-east-1d"));

        var zones = SubnetZones(app.Synth(), stacks.Runtimes[1].StackName);
        Assert.Equal(new[] { "us-east-1a", "us-east-1a", "us-east-1c", "us-east-1c", "us-east-1d", "us-east-1d" }, zones.Order());
    }

    [Fact]
    public void Zones_recorded_in_the_context_are_used_when_none_are_declared()
    {
        var app = NewApp(new Dictionary<string, object>
        {
            [AvailabilityZoneSettings.ContextKey(Services.Tooling, "us-east-1")] = new[] { "us-east-1c", "us-east-1e", "us-east-1f" },
        });

        var stacks = SlipwayStacks.Add(app, Services.SingleAccount());

        // The first two the CDK CLI recorded.
        Assert.Equal(new[] { "us-east-1c", "us-east-1e" }, SubnetZones(app.Synth(), stacks.Runtimes[0].StackName).Distinct().Order());
    }

    [Fact]
    public void Under_the_cdk_cli_missing_zones_are_left_to_the_cli_to_look_up()
    {
        var v = new Validator();

        AvailabilityZoneSettings.Check(Services.SingleAccount(), _ => null, underCdkCli: true, v, "service");

        Assert.Empty(v.Problems);
    }

    [Fact]
    public void An_existing_vpc_needs_no_zones_here()
    {
        var v = new Validator();
        var existing = new DeploymentTarget
        {
            Name = "prod", Account = Services.Tooling, Region = "us-east-1",
            Network = new NetworkSettings { ExistingVpc = new ExistingVpc("vpc-0abc", new[] { "subnet-p1", "subnet-p2" }, new[] { "subnet-u1", "subnet-u2" }, new[] { "us-east-1a", "us-east-1b" }, "10.8.0.0/16") },
        };

        AvailabilityZoneSettings.Check(Services.SingleAccount(envs => { envs.Clear(); envs.Add(existing); }), _ => null, underCdkCli: false, v, "service");

        Assert.Empty(v.Problems);
    }

    [Fact]
    public void Rejects_declared_zones_outside_the_region_twice_listed_or_fewer_than_two()
    {
        var v = new Validator();
        var target = new DeploymentTarget { Name = "prod", Account = Services.Tooling, Region = "ap-northeast-1", Network = new NetworkSettings { AvailabilityZones = new[] { "ap-northeast-1a", "us-east-1b", "ap-northeast-1a" } } };
        var single = new DeploymentTarget { Name = "dev", Account = Services.Tooling, Region = "us-west-1", Network = new NetworkSettings { AvailabilityZones = new[] { "us-west-1b" } } };

        target.Validate(new ContainerSettings(), v, "service.environments[0]");
        single.Validate(new ContainerSettings(), v, "service.environments[1]");

        Assert.Equal(new[]
        {
            "service.environments[0].network.availabilityZones[1]: \"us-east-1b\" is not an availability zone of ap-northeast-1 (zone names start with the region name, for example \"ap-northeast-1a\"). " +
            "List them with `aws ec2 describe-availability-zones --region ap-northeast-1 --query \"AvailabilityZones[?State=='available'].ZoneName\"`.",
            "service.environments[0].network.availabilityZones[2]: \"ap-northeast-1a\" is listed twice. List each availability zone once.",
            "service.environments[1].network.availabilityZones: [\"us-west-1b\"] must list at least two availability zones (the VPC spans two or more). " +
            "List them with `aws ec2 describe-availability-zones --region us-west-1 --query \"AvailabilityZones[?State=='available'].ZoneName\"`.",
        }, v.Problems);
    }

    [Fact]
    public void Rejects_zones_for_a_new_vpc_next_to_an_existing_vpc()
    {
        var v = new Validator();
        var target = new DeploymentTarget
        {
            Name = "prod", Account = Services.Tooling, Region = "us-east-1",
            Network = new NetworkSettings
            {
                AvailabilityZones = new[] { "us-east-1a", "us-east-1b" },
                ExistingVpc = new ExistingVpc("vpc-0abc", new[] { "subnet-p1", "subnet-p2" }, new[] { "subnet-u1", "subnet-u2" }, new[] { "us-east-1a", "us-east-1b" }, "10.8.0.0/16"),
            },
        };

        target.Validate(new ContainerSettings(), v, "service.environments[0]");

        Assert.Equal(new[]
        {
            "service.environments[0].network.availabilityZones: [\"us-east-1a\", \"us-east-1b\"] is for a new VPC, but existingVpc is set. Remove availabilityZones: existingVpc.availabilityZones names the zones of its subnets.",
        }, v.Problems);
    }
}
