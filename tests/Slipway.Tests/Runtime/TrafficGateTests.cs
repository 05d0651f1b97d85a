using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Slipway.Conventions;
using Slipway.Build;
using Slipway.Access;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Tests.Runtime;

/// <summary>
/// Two apps: cross-account (staging with integration tests before the traffic shift, prod with the
/// smoke test; both internet-facing, new VPCs with one and two NAT gateways) and single-account
/// with an internal staging load balancer and prod tests after the shift.
/// </summary>
public sealed class TrafficGateFixture
{
    public Scenario CrossAccount { get; } = new(Services.CrossAccount());

    public Scenario Internal { get; } = new(Services.SingleAccount(envs =>
    {
        envs[0] = new DeploymentTarget
        {
            Name = "staging", Account = Services.Tooling, Region = "us-east-1",
            IntegrationTests = new IntegrationTestSettings { Command = new[] { "pytest", "it" }, TimeoutMinutes = 30 },
            Network = new NetworkSettings { InternetFacing = false },
        };
        envs[1] = new DeploymentTarget
        {
            Name = "prod", Account = Services.Tooling, Region = "us-east-1",
            IntegrationTests = new IntegrationTestSettings { Command = new[] { "pytest", "smoke" }, When = IntegrationTestTiming.AfterTraffic },
        };
    }));
}

public sealed class TrafficGateTests : IClassFixture<TrafficGateFixture>
{
    private readonly TrafficGateFixture _f;

    public TrafficGateTests(TrafficGateFixture fixture) => _f = fixture;

    private static (string LogicalId, JsonObject Resource) Resource(Scenario s, Stack stack, string type, string idPrefix) =>
        s.Resources(stack, type).Single(r => r.LogicalId.StartsWith(idPrefix, StringComparison.Ordinal));

    private static JsonObject Function(Scenario s, Stack stack) => Resource(s, stack, "AWS::Lambda::Function", "TrafficGateFunction").Resource["Properties"]!.AsObject();

    private static string Env(Scenario s, Stack stack, string name) => Json.Render(Function(s, stack)["Environment"]!["Variables"]![name]);

    private static IReadOnlyDictionary<string, string> BuildFiles(Scenario s)
    {
        var buildspec = Json.Render(s.Resources(s.Services[0].Pipeline, "AWS::CodeBuild::Project")
            .Single(p => p.LogicalId.Contains("ImageBuild")).Resource["Properties"]!["Source"]!["BuildSpec"]);
        return Json.WrittenFiles(JsonDocument.Parse(buildspec).RootElement.GetProperty("phases").GetProperty("build")
            .GetProperty("commands").EnumerateArray().Select(c => c.GetString()!));
    }

    /// <summary>Every ingress rule of the load balancer's security group (inline or separate), as (port, source) text.</summary>
    private static List<(int Port, string Source)> TestListenerSources(Scenario s, Stack stack, int port)
    {
        var (albId, alb) = Resource(s, stack, "AWS::EC2::SecurityGroup", "ServiceLoadBalancerSecurityGroup");
        var rules = (alb["Properties"]!["SecurityGroupIngress"] as JsonArray ?? new JsonArray()).Select(r => r!.AsObject()).ToList();
        rules.AddRange(s.Resources(stack, "AWS::EC2::SecurityGroupIngress").Select(r => r.Resource["Properties"]!.AsObject())
            .Where(p => Json.Render(p["GroupId"]) == $"<{albId}.GroupId>"));
        return rules.Where(r => r["FromPort"]!.GetValue<int>() == port && r["ToPort"]!.GetValue<int>() == port)
            .Select(r => (port, Json.Render(r["CidrIp"] ?? r["SourceSecurityGroupId"]))).ToList();
    }

    [Fact]
    public void Each_environments_appspec_names_its_own_gate_function_for_AfterAllowTestTraffic()
    {
        // Given the files the image build writes, and each environment's runtime stack
        var files = BuildFiles(_f.CrossAccount);
        foreach (var (runtime, env, account) in new[] { (0, "staging", Services.Staging), (1, "prod", Services.Production) })
        {
            var stack = _f.CrossAccount.Services[0].Runtimes[runtime];
            var name = Function(_f.CrossAccount, stack)["FunctionName"]!.GetValue<string>();
            Assert.Equal($"orders-{env}-traffic-gate-dev", name);
            // Then the raw appspec ends with the Hooks section CodeDeploy reads, naming that function
            // in that environment's account and region.
            Assert.EndsWith(
                "        PlatformVersion: \"LATEST\"\n" +
                "Hooks:\n" +
                $"  - AfterAllowTestTraffic: \"arn:aws:lambda:us-east-1:{account}:function:{name}\"\n",
                files[DeploymentFiles.AppSpecFile(env)]);
        }
    }

    [Fact]
    public void Integration_tests_run_in_the_hook_with_a_timeout_codedeploy_leaves_room_for()
    {
        var s = _f.CrossAccount;
        var staging = s.Services[0].Runtimes[0];
        Assert.Equal("[\"python\",\"integration/run_integration.py\"]", Env(s, staging, "TEST_COMMAND"));
        var timeout = int.Parse(Env(s, staging, "TIMEOUT_MINUTES"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(new IntegrationTestSettings { Command = new[] { "x" } }.TimeoutMinutes, timeout);
        // CodeDeploy fails a hook that nobody reports within an hour: the test timeout, the sweep's
        // granularity and the time to start the task fit below it, even at the largest timeout.
        Assert.True(IntegrationTestSettings.MaxTimeoutMinutes + TrafficGate.SweepIntervalMinutes + 10 <= DeploymentContract.HookLimitMinutes);
        var rules = s.Resources(staging, "AWS::Events::Rule").Where(r => r.LogicalId.StartsWith("TrafficGate", StringComparison.Ordinal))
            .ToDictionary(r => r.LogicalId[..r.LogicalId.IndexOf("Rule", StringComparison.Ordinal)], r => r.Resource["Properties"]!.AsObject());
        Assert.Equal("rate(1 minute)", rules["TrafficGateSweep"]["ScheduleExpression"]!.GetValue<string>());
        var pattern = rules["TrafficGateTaskStopped"]["EventPattern"]!;
        Assert.Equal(new[] { "aws.ecs" }, Json.List(pattern["source"]));
        Assert.Equal(new[] { "ECS Task State Change" }, Json.List(pattern["detail-type"]));
        Assert.Equal(new[] { "STOPPED" }, Json.List(pattern["detail"]!["lastStatus"]));
        Assert.Equal(new[] { TrafficGate.StartedBy }, Json.List(pattern["detail"]!["startedBy"]));
        Assert.Equal(new[] { $"<{Resource(s, staging, "AWS::ECS::Cluster", "ServiceCluster").LogicalId}.Arn>" }, Json.List(pattern["detail"]!["clusterArn"]));
        // The handler marks its tasks with the same startedBy.
        Assert.Contains($"const STARTED_BY = '{TrafficGate.StartedBy}';", File.ReadAllText(Repository.PathOf("src/Slipway/Runtime/TrafficGate/index.js")));
        foreach (var target in new[] { "TrafficGateSweep", "TrafficGateTaskStopped" })
        {
            Assert.Equal($"<{Resource(s, staging, "AWS::Lambda::Function", "TrafficGateFunction").LogicalId}.Arn>", Json.Render(rules[target]["Targets"]![0]!["Arn"]));
        }
        // A failed hook fails the deployment, which rolls back; CodeDeploy reroutes without waiting
        // for anyone else once the hook succeeds.
        var group = s.Single(staging, "AWS::CodeDeploy::DeploymentGroup")["Properties"]!;
        Assert.Contains("DEPLOYMENT_FAILURE", Json.List(group["AutoRollbackConfiguration"]!["Events"]));
        Assert.True(group["AutoRollbackConfiguration"]!["Enabled"]!.GetValue<bool>());
        var ready = group["BlueGreenDeploymentConfiguration"]!["DeploymentReadyOption"];
        Assert.True(ready is null || ready["ActionOnTimeout"]!.GetValue<string>() == "CONTINUE_DEPLOYMENT", ready?.ToJsonString());
    }

    [Fact]
    public void Without_integration_tests_the_gate_requests_the_health_check_through_the_test_listener()
    {
        var s = _f.CrossAccount;
        var prod = s.Services[0].Runtimes[1];
        Assert.Equal("", Env(s, prod, "TEST_COMMAND"));
        Assert.Equal("/health", Env(s, prod, "HEALTH_CHECK_PATH"));
        Assert.Equal($"http://<{Resource(s, prod, "AWS::ElasticLoadBalancingV2::LoadBalancer", "ServiceLoadBalancer").LogicalId}.DNSName>:9000", Env(s, prod, "TEST_URL"));
        Assert.Equal(TrafficGate.SmokeAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture), Env(s, prod, "SMOKE_ATTEMPTS"));
        // No test task, so nothing to watch.
        Assert.DoesNotContain(s.Resources(prod, "AWS::Events::Rule"), r => r.LogicalId.StartsWith("TrafficGate", StringComparison.Ordinal));
    }

    [Fact]
    public void An_internet_facing_test_listener_admits_exactly_the_nat_gateways_elastic_ips()
    {
        var s = _f.CrossAccount;
        foreach (var (runtime, natGateways) in new[] { (0, 1), (1, 2) })
        {
            var stack = s.Services[0].Runtimes[runtime];
            var eips = s.Resources(stack, "AWS::EC2::EIP").Select(e => e.LogicalId).ToList();
            Assert.Equal(natGateways, eips.Count);
            // The NAT gateways use these addresses (the source the load balancer sees).
            Assert.Equal(eips.Order(), s.Resources(stack, "AWS::EC2::NatGateway").Select(n => Json.Render(n.Resource["Properties"]!["AllocationId"]))
                .Select(a => a[1..a.IndexOf('.', StringComparison.Ordinal)]).Order());
            var sources = TestListenerSources(s, stack, 9000).Select(r => r.Source).ToList();
            foreach (var eip in eips)
            {
                Assert.Contains($"<{eip}>/32", sources);
            }
            // Besides them only the configured CIDRs (default: the VPC's); no security group, which an
            // internet-facing load balancer never sees as a source.
            Assert.Equal(natGateways + 1, sources.Count);
            // The VPC's CIDR as written (literal, so that checks such as cdk-nag's EC2 rules can read it).
            Assert.Contains(Resource(s, stack, "AWS::EC2::VPC", "ServiceVpc").Resource["Properties"]!["CidrBlock"]!.GetValue<string>(), sources);
        }
    }

    [Fact]
    public void An_internal_test_listener_admits_the_gates_security_group()
    {
        var s = _f.Internal;
        var staging = s.Services[0].Runtimes[0];
        var gateGroup = Resource(s, staging, "AWS::EC2::SecurityGroup", "TrafficGateSecurityGroup").LogicalId;
        Assert.Contains($"<{gateGroup}.GroupId>", TestListenerSources(s, staging, 9000).Select(r => r.Source));
        Assert.False(s.Single(staging, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]!["Scheme"]!.GetValue<string>() == "internet-facing");
    }

    [Fact]
    public void The_gate_and_its_test_tasks_run_in_the_private_subnets_with_the_admitted_security_group()
    {
        foreach (var (s, stack) in new[] { (_f.CrossAccount, _f.CrossAccount.Services[0].Runtimes[0]), (_f.Internal, _f.Internal.Services[0].Runtimes[0]) })
        {
            var function = Function(s, stack);
            var gateGroup = Resource(s, stack, "AWS::EC2::SecurityGroup", "TrafficGateSecurityGroup").LogicalId;
            var privateSubnets = s.Resources(stack, "AWS::EC2::Subnet").Select(x => x.LogicalId).Where(id => id.Contains("privateSubnet", StringComparison.Ordinal)).Order().ToList();
            Assert.Equal(2, privateSubnets.Count);
            Assert.Equal(privateSubnets.Select(id => $"<{id}>"), Json.List(function["VpcConfig"]!["SubnetIds"]).Order());
            Assert.Equal(new[] { $"<{gateGroup}.GroupId>" }, Json.List(function["VpcConfig"]!["SecurityGroupIds"]));
            // The test task gets the same network (RunTask's awsvpcConfiguration).
            Assert.Equal(string.Join(",", privateSubnets.Select(id => $"<{id}>")), Env(s, stack, "SUBNETS"));
            Assert.Equal($"<{gateGroup}.GroupId>", Env(s, stack, "SECURITY_GROUPS"));
        }
    }

    [Fact]
    public void The_codedeploy_service_role_may_invoke_the_gate()
    {
        var s = _f.CrossAccount;
        foreach (var stack in s.Services[0].Runtimes)
        {
            var function = Resource(s, stack, "AWS::Lambda::Function", "TrafficGateFunction").LogicalId;
            var role = Resource(s, stack, "AWS::IAM::Role", "ServiceCodeDeployRole").LogicalId;
            var policy = s.Resources(stack, "AWS::IAM::Policy").Single(p => Json.List(p.Resource["Properties"]!["Roles"]).Contains($"<{role}>"));
            var statement = policy.Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Single(x => x!["Sid"]?.GetValue<string>() == "InvokeTrafficGate")!;
            Assert.Equal(new[] { "lambda:InvokeFunction" }, Json.List(statement["Action"]));
            Assert.Equal(new[] { $"<{function}.Arn>" }, Json.List(statement["Resource"]));
        }
    }

    [Fact]
    public void Tests_before_the_shift_are_no_pipeline_action_and_need_nothing_in_the_tooling_account()
    {
        var s = _f.CrossAccount;
        var pipeline = s.Services[0].Pipeline;
        var actions = s.Single(pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!.AsArray()
            .SelectMany(st => st!["Actions"]!.AsArray().Select(a => a!["Name"]!.GetValue<string>())).ToList();
        Assert.DoesNotContain("IntegrationTests", actions);
        Assert.DoesNotContain(s.Resources(pipeline, "AWS::CodeBuild::Project"), p => p.LogicalId.Contains("IntegrationTests", StringComparison.Ordinal));
        Assert.DoesNotContain(s.AllJson.Values.SelectMany(t => t["Resources"]!.AsObject()), r => r.Value!["Type"]!.GetValue<string>() == "AWS::IAM::Role"
            && (r.Value["Properties"]!["RoleName"]?.ToJsonString() ?? "").Contains("itest", StringComparison.Ordinal));
    }

    [Fact]
    public void Tests_after_the_shift_stay_a_pipeline_action_and_the_gate_runs_the_smoke_test()
    {
        var s = _f.Internal;
        var stages = s.Single(s.Services[0].Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!.AsArray();
        Assert.DoesNotContain(stages.Single(st => st!["Name"]!.GetValue<string>() == "Deploy-staging")!["Actions"]!.AsArray(),
            a => a!["Name"]!.GetValue<string>() == "IntegrationTests");
        Assert.Contains(stages.Single(st => st!["Name"]!.GetValue<string>() == "Deploy-prod")!["Actions"]!.AsArray(),
            a => a!["Name"]!.GetValue<string>() == "IntegrationTests");
        Assert.Equal("", Env(s, s.Services[0].Runtimes[1], "TEST_COMMAND"));
        Assert.Equal("[\"pytest\",\"it\"]", Env(s, s.Services[0].Runtimes[0], "TEST_COMMAND"));
        Assert.Equal("30", Env(s, s.Services[0].Runtimes[0], "TIMEOUT_MINUTES"));
    }

    [Fact]
    public void The_gate_role_reports_to_codedeploy_runs_only_the_services_task_family_and_passes_only_its_roles()
    {
        var s = _f.CrossAccount;
        var staging = s.Services[0].Runtimes[0];
        var role = Resource(s, staging, "AWS::IAM::Role", "TrafficGateRole").LogicalId;
        var statements = s.Resources(staging, "AWS::IAM::Policy").Where(p => Json.List(p.Resource["Properties"]!["Roles"]).Contains($"<{role}>"))
            .SelectMany(p => p.Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()).Where(x => x!["Sid"] is not null)
            .ToDictionary(x => x!["Sid"]!.GetValue<string>(), x => x!.AsObject());
        Assert.Equal(new[] { "codedeploy:PutLifecycleEventHookExecutionStatus" }, Json.List(statements["ReportHookStatus"]["Action"]));
        Assert.Equal(new[] { "arn:<AWS::Partition>:ecs:us-east-1:222222222222:task-definition/orders-staging-task-dev:*" }, Json.List(statements["RunTestTask"]["Resource"]));
        Assert.NotNull(statements["RunTestTask"]["Condition"]!["ArnEquals"]!["ecs:cluster"]);
        Assert.Equal(
            new[] { $"<{Resource(s, staging, "AWS::IAM::Role", "ServiceExecutionRole").LogicalId}.Arn>", $"<{Resource(s, staging, "AWS::IAM::Role", "ServiceTaskRole").LogicalId}.Arn>" },
            Json.List(statements["PassTaskRoles"]["Resource"]));
        Assert.Equal("ecs-tasks.amazonaws.com", statements["PassTaskRoles"]["Condition"]!["StringEquals"]!["iam:PassedToService"]!.GetValue<string>());
        // Its log group is its own, with a retention (a KMS key can be added to this one resource).
        var logGroup = Resource(s, staging, "AWS::Logs::LogGroup", "TrafficGateLogGroup").Resource["Properties"]!;
        Assert.Equal("/slipway/orders-staging-traffic-gate-dev", logGroup["LogGroupName"]!.GetValue<string>());
        Assert.Equal(30, logGroup["RetentionInDays"]!.GetValue<int>());
        Assert.Equal($"<{Resource(s, staging, "AWS::Logs::LogGroup", "TrafficGateLogGroup").LogicalId}>", Json.Render(Function(s, staging)["LoggingConfig"]!["LogGroup"]));
    }
}
