using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Slipway.Conventions;
using Slipway.Runtime;
using Json = Slipway.Tests.TestSupport.Json;

namespace Slipway.Tests.Runtime;

/// <summary><see cref="BlueGreenService"/> alone in a bare stack, with only its narrow props.</summary>
[Collection(StandaloneRuntimeCollection.Name)]
public sealed class BlueGreenServiceStandaloneTests(StandaloneRuntimeScenario s)
{
    [Fact]
    public void In_an_imported_vpc_and_cluster_it_creates_no_network_and_no_cluster()
    {
        foreach (var type in new[] { "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::EC2::InternetGateway", "AWS::EC2::FlowLog", "AWS::ECS::Cluster", "AWS::ECR::Repository" })
        {
            Assert.Empty(s.Resources(type));
        }
        // The load balancer in the given public subnets, the tasks in the given private ones, in the given cluster.
        Assert.Equal("""["subnet-0public1","subnet-0public2"]""", s.Properties(s.Service.LoadBalancer)["Subnets"]!.ToJsonString());
        var service = s.Properties(s.Service.Service);
        Assert.Equal("platform", service["Cluster"]!.GetValue<string>());
        Assert.Equal("""["subnet-0private1","subnet-0private2"]""", service["NetworkConfiguration"]!["AwsvpcConfiguration"]!["Subnets"]!.ToJsonString());
        Assert.All(s.Resources("AWS::ElasticLoadBalancingV2::TargetGroup"), tg => Assert.Equal("vpc-0abc1234", tg.Resource["Properties"]!["VpcId"]!.GetValue<string>()));
    }

    [Fact]
    public void Listeners_target_groups_and_deployment_follow_its_props()
    {
        var listeners = s.Resources("AWS::ElasticLoadBalancingV2::Listener").Select(r => r.Resource["Properties"]!).ToList();
        Assert.Equal(new[] { 80, 9443 }, listeners.Select(l => l["Port"]!.GetValue<int>()).Order());
        var groups = s.Resources("AWS::ElasticLoadBalancingV2::TargetGroup").Select(r => r.Resource["Properties"]!).ToList();
        Assert.Equal(2, groups.Count);
        Assert.All(groups, g => Assert.Equal((3000, "/ready", "ip"), (g["Port"]!.GetValue<int>(), g["HealthCheckPath"]!.GetValue<string>(), g["TargetType"]!.GetValue<string>())));

        var routing = Assert.Single(s.Resources("AWS::CodeDeploy::DeploymentConfig")).Resource["Properties"]!["TrafficRoutingConfig"]!;
        Assert.Equal("""{"TimeBasedLinear":{"LinearInterval":2,"LinearPercentage":20},"Type":"TimeBasedLinear"}""", routing.ToJsonString());
        var group = Assert.Single(s.Resources("AWS::CodeDeploy::DeploymentGroup")).Resource["Properties"]!;
        Assert.Equal(5, group["BlueGreenDeploymentConfiguration"]!["TerminateBlueInstancesOnDeploymentSuccess"]!["TerminationWaitTimeInMinutes"]!.GetValue<int>());
        Assert.Equal(4, group["AlarmConfiguration"]!["Alarms"]!.AsArray().Count);
        Assert.Equal(3, s.Properties(s.Service.Service)["DesiredCount"]!.GetValue<int>());
    }

    [Fact]
    public void The_execution_role_pulls_only_from_the_given_repository()
    {
        var pull = Json.Statements(s.Template).Single(x => x.Statement["Sid"]?.GetValue<string>() == "PullServiceImage").Statement;
        Assert.Equal("arn:<AWS::Partition>:ecr:us-east-1:111111111111:repository/orders", Assert.Single(Json.List(pull["Resource"])).Replace("<{\"Ref\":\"AWS::Partition\"}>", "<AWS::Partition>").Replace("<\"AWS::Partition\">", "<AWS::Partition>"));
    }

    [Fact]
    public void Without_a_vpc_or_cluster_it_makes_them_with_the_documented_defaults()
    {
        var t = s.Defaults;
        Assert.Single(StandaloneRuntimeScenario.Resources(t, "AWS::EC2::VPC"));
        Assert.Single(StandaloneRuntimeScenario.Resources(t, "AWS::ECS::Cluster"));
        Assert.Single(StandaloneRuntimeScenario.Resources(t, "AWS::EC2::NatGateway"));
        Assert.Equal("10.0.0.0/16", Assert.Single(StandaloneRuntimeScenario.Resources(t, "AWS::EC2::VPC")).Resource["Properties"]!["CidrBlock"]!.GetValue<string>());
        Assert.Equal(new[] { "eu-west-1a", "eu-west-1b" },
            StandaloneRuntimeScenario.Resources(t, "AWS::EC2::Subnet").Select(r => r.Resource["Properties"]!["AvailabilityZone"]!.GetValue<string>()).Distinct().Order());
        Assert.Equal(new[] { 80, 9000 }, StandaloneRuntimeScenario.Resources(t, "AWS::ElasticLoadBalancingV2::Listener").Select(r => r.Resource["Properties"]!["Port"]!.GetValue<int>()).Order());
        Assert.All(StandaloneRuntimeScenario.Resources(t, "AWS::ElasticLoadBalancingV2::TargetGroup"),
            g => Assert.Equal((8080, "/health"), (g.Resource["Properties"]!["Port"]!.GetValue<int>(), g.Resource["Properties"]!["HealthCheckPath"]!.GetValue<string>())));
        var group = Assert.Single(StandaloneRuntimeScenario.Resources(t, "AWS::CodeDeploy::DeploymentGroup")).Resource["Properties"]!;
        Assert.Equal("CodeDeployDefault.ECSAllAtOnce", group["DeploymentConfigName"]!.GetValue<string>());
        Assert.Equal(0, group["BlueGreenDeploymentConfiguration"]!["TerminateBlueInstancesOnDeploymentSuccess"]!["TerminationWaitTimeInMinutes"]!.GetValue<int>());
        Assert.Equal(1, Assert.Single(StandaloneRuntimeScenario.Resources(t, "AWS::ECS::Service")).Resource["Properties"]!["DesiredCount"]!.GetValue<int>());
        Assert.Empty(StandaloneRuntimeScenario.Resources(t, "AWS::CodeDeploy::DeploymentConfig"));
    }

    [Fact]
    public void Tags_everything_it_creates_from_its_names_without_a_slipway_stack()
    {
        var tagged = TaggedResources(s.Template).ToList();
        var types = tagged.Select(r => r.Type).ToHashSet();
        foreach (var type in new[] { "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::ECS::Service", "AWS::ECS::TaskDefinition", "AWS::IAM::Role", "AWS::S3::Bucket", "AWS::EC2::SecurityGroup", "AWS::Logs::LogGroup", "AWS::KMS::Key" })
        {
            Assert.Contains(type, types);
        }
        Assert.All(tagged, r => Assert.Equal(
            "CostCenter=unassigned Environment=staging ManagedBy=slipway Project=orders Service=orders",
            string.Join(" ", r.Tags.Where(t => !t.StartsWith("aws-cdk:", StringComparison.Ordinal)).Order(StringComparer.Ordinal))));
        Assert.All(TaggedResources(s.Defaults), r => Assert.Contains("Environment=dev", r.Tags));
    }

    [Fact]
    public void An_environment_agnostic_stack_is_refused_with_our_own_message()
    {
        var app = new App(new AppProps { AnalyticsReporting = false });
        var stack = new Stack(app, "Agnostic");
        var e = Assert.Throws<SlipwayValidationException>(() => new BlueGreenService(stack, "Service", new BlueGreenServiceProps
        {
            Names = new ResourceNames("orders", "staging", "dev"),
            ImageRepository = Repository.FromRepositoryName(stack, "Images", "orders"),
        }));
        Assert.Equal(
            "Agnostic/Service: Env.Account and Env.Region of the stack Agnostic are not set: BlueGreenService needs the stack's account and region " +
            "(load balancer access logs, the secrets' ARNs, names the pipeline refers to in that account). Create the stack with them, for example " +
            "new Stack(app, \"Orders\", new StackProps { Env = new Amazon.CDK.Environment { Account = \"123456789012\", Region = \"us-east-1\" } }).",
            e.Message);
    }

    [Fact]
    public void Props_are_checked_by_their_csharp_names_before_cdk_sees_them()
    {
        var app = new App(new AppProps { AnalyticsReporting = false });
        var stack = new Stack(app, "Checked", new StackProps { Env = new Amazon.CDK.Environment { Account = "111111111111", Region = "us-east-1" } });
        var e = Assert.Throws<SlipwayValidationException>(() => new BlueGreenService(stack, "Service", new BlueGreenServiceProps
        {
            Names = new ResourceNames("orders", "staging", "dev"),
            ImageRepository = Repository.FromRepositoryName(stack, "Images", "orders"),
            TestListenerPort = 80,
            DesiredCount = 0,
            NatGateways = 0,
            TerminationWait = Duration.Days(3),
        }));
        Assert.Equal(new[]
        {
            "BlueGreenServiceProps.TestListenerPort: 80 clashes with the production listener (port 80). Choose another port, for example 9000.",
            "BlueGreenServiceProps.NatGateways: 0 must be 1 or 2: the new VPC spans two availability zones and its tasks run in private subnets that pull images through a NAT gateway. Bring a VPC with its own egress (Vpc) for none.",
            "BlueGreenServiceProps.TerminationWait: 4320 (minutes) must be from 0 to 2880 minutes (CodeDeploy's limit is two days).",
            "BlueGreenServiceProps.DesiredCount: 0 must be from 1 to 100.",
        }, e.Problems);
    }

    [Fact]
    public void Zones_the_stack_does_not_know_are_refused_with_our_own_message()
    {
        var app = new App(new AppProps { AnalyticsReporting = false });
        var stack = new Stack(app, "NoContext", new StackProps { Env = new Amazon.CDK.Environment { Account = "111111111111", Region = "us-east-1" } });
        var e = Assert.Throws<SlipwayValidationException>(() => new BlueGreenService(stack, "Service", new BlueGreenServiceProps
        {
            Names = new ResourceNames("orders", "staging", "dev"),
            ImageRepository = Repository.FromRepositoryName(stack, "Images", "orders"),
            AvailabilityZones = new[] { "us-east-1a", "us-east-1b" },
        }));
        Assert.StartsWith("BlueGreenServiceProps.AvailabilityZones: [us-east-1a, us-east-1b] are not among the zones the stack NoContext knows for 111111111111/us-east-1 ([dummy1a, dummy1b, dummy1c]; CDK context \"availability-zones:account=111111111111:region=us-east-1\"). Record the account's zones", e.Message);
    }

    /// <summary>Every resource with a Tags list, and its tags as Key=Value.</summary>
    internal static IEnumerable<(string Type, IReadOnlyList<string> Tags)> TaggedResources(JsonObject template) =>
        template["Resources"]!.AsObject()
            .Where(r => r.Value!["Properties"]?["Tags"] is JsonArray)
            .Select(r => (r.Value!["Type"]!.GetValue<string>(),
                (IReadOnlyList<string>)r.Value!["Properties"]!["Tags"]!.AsArray().Select(t => $"{t!["Key"]}={t["Value"]}").ToList()));
}

/// <summary>The README shows each standalone example as this file's scenario has it.</summary>
public sealed class StandaloneReadmeTests
{
    [Theory]
    [InlineData("blue-green-service")]
    [InlineData("traffic-gate")]
    [InlineData("pipeline-access-roles")]
    [InlineData("runtime-dashboard")]
    public void The_readme_shows_the_standalone_example(string name)
    {
        var readme = File.ReadAllText(TestSupport.Repository.PathOf("README.md")).Replace("\r", "");
        Assert.Contains("```csharp\n" + StandaloneRuntimeScenario.Snippet(name) + "\n```", readme);
    }
}
