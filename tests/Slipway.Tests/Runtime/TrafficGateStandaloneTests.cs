using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Slipway.Conventions;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Runtime;

/// <summary><see cref="TrafficGate"/> alone in a bare stack, given the service's parts by interface.</summary>
[Collection(StandaloneRuntimeCollection.Name)]
public sealed class TrafficGateStandaloneTests(StandaloneRuntimeScenario s)
{
    [Fact]
    public void The_gate_tests_the_given_service_through_the_given_test_listener()
    {
        var env = s.Properties(s.Gate.Function)["Environment"]!["Variables"]!;
        Assert.Equal("platform", env["CLUSTER"]!.GetValue<string>());
        Assert.Equal("app", env["CONTAINER_NAME"]!.GetValue<string>());
        Assert.Equal("/ready", env["HEALTH_CHECK_PATH"]!.GetValue<string>());
        Assert.Equal("""["python","integration/run.py"]""", env["TEST_COMMAND"]!.GetValue<string>());
        Assert.EndsWith(":9443", Json.Render(env["TEST_URL"]));
        Assert.Equal("subnet-0private1,subnet-0private2", Json.Render(env["SUBNETS"]));
        Assert.Equal("""["subnet-0private1","subnet-0private2"]""", s.Properties(s.Gate.Function)["VpcConfig"]!["SubnetIds"]!.ToJsonString());
    }

    [Fact]
    public void The_given_codedeploy_role_may_invoke_it_and_the_gate_may_pass_only_the_given_task_roles()
    {
        var invoke = Json.Statements(s.Template).Single(x => x.Statement["Sid"]?.GetValue<string>() == "InvokeTrafficGate").Statement;
        Assert.Equal($"<{s.LogicalId(s.Gate.Function)}.Arn>", Assert.Single(Json.List(invoke["Resource"])));
        var pass = Json.Statements(s.Template).Where(x => x.Statement["Sid"]?.GetValue<string>() == "PassTaskRoles")
            .Single(x => x.LogicalId.StartsWith("TrafficGateRole", StringComparison.Ordinal)).Statement;
        Assert.Equal(new[] { $"<{s.LogicalId(s.Service.ExecutionRole)}.Arn>", $"<{s.LogicalId(s.Service.TaskRole)}.Arn>" }, Json.List(pass["Resource"]));
        // It creates no listener, load balancer, task definition or service of its own.
        Assert.Equal(2, s.Resources("AWS::ElasticLoadBalancingV2::Listener").Count());
        Assert.Single(s.Resources("AWS::ECS::TaskDefinition"));
        Assert.Single(s.Resources("AWS::ECS::Service"));
    }

    [Fact]
    public void Its_rules_and_function_carry_slipway_tags()
    {
        Assert.Equal("CostCenter=unassigned Environment=staging ManagedBy=slipway Project=orders Service=orders",
            string.Join(" ", s.Properties(s.Gate.Function)["Tags"]!.AsArray().Select(t => $"{t!["Key"]}={t["Value"]}").Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void An_environment_agnostic_stack_is_refused_with_our_own_message()
    {
        var app = new App(new AppProps { AnalyticsReporting = false });
        var stack = new Stack(app, "Agnostic");
        var vpc = Vpc.FromVpcAttributes(stack, "Vpc", new VpcAttributes
        {
            VpcId = "vpc-0abc1234", AvailabilityZones = new[] { "us-east-1a", "us-east-1b" }, PrivateSubnetIds = new[] { "subnet-1", "subnet-2" },
        });
        var cluster = Cluster.FromClusterAttributes(stack, "Cluster", new ClusterAttributes { ClusterName = "platform", Vpc = vpc });
        var role = Role.FromRoleName(stack, "Role", "orders-staging-task-dev");
        var e = Assert.Throws<SlipwayValidationException>(() => new TrafficGate(stack, "TrafficGate", new TrafficGateProps
        {
            Names = new ResourceNames("orders", "staging", "dev"),
            Vpc = vpc,
            Cluster = cluster,
            Service = FargateService.FromFargateServiceAttributes(stack, "Service", new FargateServiceAttributes { Cluster = cluster, ServiceName = "orders" }),
            LoadBalancer = ApplicationLoadBalancer.FromApplicationLoadBalancerAttributes(stack, "Alb", new ApplicationLoadBalancerAttributes
            {
                LoadBalancerArn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/orders/0123456789abcdef",
                SecurityGroupId = "sg-0123456789abcdef0",
            }),
            InternetFacing = false,
            TestListenerPort = 9000,
            TestUrl = "http://orders.internal:9000",
            ServiceUrl = "http://orders.internal",
            ContainerName = "app",
            HealthCheckPath = "/health",
            TaskRoles = new[] { role },
            CodeDeployRole = role,
        }));
        Assert.StartsWith("Agnostic/TrafficGate: Env.Account and Env.Region of the stack Agnostic are not set: TrafficGate needs the stack's account and region (the ARNs of the test tasks it starts and stops).", e.Message);
    }
}
