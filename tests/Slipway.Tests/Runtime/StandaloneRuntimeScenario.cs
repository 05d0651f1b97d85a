using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Slipway.Access;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Observability;
using Slipway.Runtime;

namespace Slipway.Tests.Runtime;

/// <summary>
/// The runtime constructs on their own, in bare stacks with only their narrow props (no manifest,
/// no Slipway stack class): the README's "Using the constructs on their own" examples are this code.
/// Synthesized once for the Runtime, Access and Observability standalone tests.
/// </summary>
public sealed class StandaloneRuntimeScenario
{
    public const string Account = "111111111111";
    public const string ToolingAccount = "222222222222";

    /// <summary>The bare stack holding every construct, in an imported VPC and an existing cluster.</summary>
    public Stack Stack { get; }
    public BlueGreenService Service { get; }
    public TrafficGate Gate { get; }
    public PipelineAccessRoles Access { get; }
    public RuntimeDashboard Dashboard { get; }
    public JsonObject Template { get; }

    /// <summary>A bare stack holding a BlueGreenService given nothing but its names and repository.</summary>
    public JsonObject Defaults { get; }

    public StandaloneRuntimeScenario()
    {
        var app = new App(new AppProps
        {
            AnalyticsReporting = false,
            Outdir = Path.Combine(Path.GetTempPath(), "slipway-tests-" + Guid.NewGuid().ToString("N")),
            // The zones of the Defaults stack's new VPC, as cdk.context.json records them.
            Context = new Dictionary<string, object> { ["availability-zones:account=111111111111:region=eu-west-1"] = new[] { "eu-west-1a", "eu-west-1b" } },
        });
        (Stack, Service, Gate, Access, Dashboard) = Example(app);
        var defaults = new Stack(app, "Defaults", new StackProps { Env = new Amazon.CDK.Environment { Account = Account, Region = "eu-west-1" } });
        new BlueGreenService(defaults, "Service", new BlueGreenServiceProps
        {
            Names = new ResourceNames("orders", "dev", "dev"),
            ImageRepository = Repository.FromRepositoryName(defaults, "Images", "orders"),
        });
        var assembly = app.Synth();
        Template = JsonNode.Parse(File.ReadAllText(assembly.GetStackByName(Stack.StackName).TemplateFullPath))!.AsObject();
        Defaults = JsonNode.Parse(File.ReadAllText(assembly.GetStackByName(defaults.StackName).TemplateFullPath))!.AsObject();
    }

    private static (Stack, BlueGreenService, TrafficGate, PipelineAccessRoles, RuntimeDashboard) Example(App app)
    {
        // README:begin blue-green-service
        var stack = new Stack(app, "OrdersStaging", new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = "111111111111", Region = "us-east-1" },
        });
        var vpc = Vpc.FromVpcAttributes(stack, "Vpc", new VpcAttributes
        {
            VpcId = "vpc-0abc1234",
            VpcCidrBlock = "10.8.0.0/16",
            AvailabilityZones = new[] { "us-east-1a", "us-east-1b" },
            PrivateSubnetIds = new[] { "subnet-0private1", "subnet-0private2" },
            PublicSubnetIds = new[] { "subnet-0public1", "subnet-0public2" },
        });
        var names = new ResourceNames("orders", "staging", "dev");
        var service = new BlueGreenService(stack, "Service", new BlueGreenServiceProps
        {
            Names = names,
            Vpc = vpc,
            Cluster = Cluster.FromClusterAttributes(stack, "Cluster", new ClusterAttributes { ClusterName = "platform", Vpc = vpc }),
            ImageRepository = Repository.FromRepositoryName(stack, "Images", "orders"),
            ContainerPort = 3000,
            HealthCheckPath = "/ready",
            TestListenerPort = 9443,
            TrafficShifting = TrafficShifting.Linear(20, 2),
            TerminationWait = Duration.Minutes(5),
            DesiredCount = 3,
        });
        // README:end
        // README:begin runtime-dashboard
        var dashboard = new RuntimeDashboard(stack, "Observability", new RuntimeDashboardProps
        {
            Names = names,
            Service = service.Service,
            Cluster = service.Cluster,
            LoadBalancer = service.LoadBalancer,
            BlueTargetGroup = service.BlueTargetGroup,
            GreenTargetGroup = service.GreenTargetGroup,
            Application = service.Application,
            ServiceUrl = service.ServiceUrl,
            RollbackAlarms = service.RollbackAlarms,
            Emails = new[] { "orders-team@example.com" },
        });
        // README:end
        // README:begin traffic-gate
        var gate = new TrafficGate(stack, "TrafficGate", new TrafficGateProps
        {
            Names = names,
            Vpc = service.Vpc,
            Cluster = service.Cluster,
            Service = service.Service,
            LoadBalancer = service.LoadBalancer,
            InternetFacing = true,
            TestListenerPort = 9443,
            TestUrl = service.TestUrl,
            ServiceUrl = service.ServiceUrl,
            ContainerName = "app",
            HealthCheckPath = "/ready",
            TaskRoles = new IRole[] { service.ExecutionRole, service.TaskRole },
            CodeDeployRole = service.CodeDeployRole,
            IntegrationTests = new IntegrationTestSettings { Command = new[] { "python", "integration/run.py" } },
            NotificationTopic = dashboard.AlarmTopic,
            NotificationKey = dashboard.AlarmTopicKey,
        });
        // README:end
        // README:begin pipeline-access-roles
        var access = new PipelineAccessRoles(stack, "PipelineAccess", new PipelineAccessRolesProps
        {
            Names = names,
            ToolingAccount = "222222222222",
            ToolingRegion = "us-east-1",
            Application = service.Application,
            DeploymentGroup = service.DeploymentGroup,
            Cluster = service.Cluster,
            Service = service.Service,
            TaskRoles = new IRole[] { service.ExecutionRole, service.TaskRole },
            LogGroup = service.LogGroup,
            ArtifactsUseKms = true,
        });
        // README:end
        return (stack, service, gate, access, dashboard);
    }

    /// <summary>The code between <c>// README:begin {name}</c> and <c>// README:end</c> in this file, unindented.</summary>
    public static string Snippet(string name)
    {
        var source = File.ReadAllText(TestSupport.Repository.PathOf("tests/Slipway.Tests/Runtime/StandaloneRuntimeScenario.cs")).Replace("\r", "");
        var marker = $"// README:begin {name}\n";
        var start = source.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no snippet {name}");
        start += marker.Length;
        var lines = source[start..source.IndexOf("// README:end", start, StringComparison.Ordinal)].TrimEnd().Split('\n');
        return string.Join("\n", lines.Select(l => l.Length >= 8 ? l[8..] : l.TrimStart()));
    }

    public IEnumerable<(string LogicalId, JsonObject Resource)> Resources(string type) => Resources(Template, type);

    public static IEnumerable<(string LogicalId, JsonObject Resource)> Resources(JsonObject template, string type) =>
        template["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (r.Key, r.Value!.AsObject()));

    public JsonObject Properties(IConstruct construct) =>
        Template["Resources"]![Stack.GetLogicalId((CfnElement)(construct as CfnElement ?? construct.Node.DefaultChild!))]!["Properties"]!.AsObject();

    public string LogicalId(IConstruct construct) => Stack.GetLogicalId((CfnElement)(construct as CfnElement ?? construct.Node.DefaultChild!));
}

[CollectionDefinition(Name)]
public sealed class StandaloneRuntimeCollection : ICollectionFixture<StandaloneRuntimeScenario>
{
    public const string Name = "Standalone runtime constructs";
}
