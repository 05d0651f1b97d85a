using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Tests.Runtime;

public sealed class BlueGreenServiceFixture
{
    public Scenario Scenario { get; } = new(Services.SingleAccount(envs =>
    {
        envs.Add(new DeploymentTarget
        {
            Name = "canary", Account = Services.Tooling, Region = "us-east-1",
            TrafficShifting = TrafficShifting.Linear(20, 2), TerminationWaitMinutes = 5,
            Network = new NetworkSettings { CertificateArn = "arn:aws:acm:us-east-1:111111111111:certificate/abc-123", TestListenerCidrs = new[] { "10.20.0.0/16" }, InternetFacing = false },
        });
    }));

    public ServiceRuntimeStack Staging => Scenario.Services[0].Runtimes[0];
    public ServiceRuntimeStack Prod => Scenario.Services[0].Runtimes[1];
    public ServiceRuntimeStack Https => Scenario.Services[0].Runtimes[2];
}

public sealed class BlueGreenServiceTests : IClassFixture<BlueGreenServiceFixture>
{
    private readonly BlueGreenServiceFixture _f;

    public BlueGreenServiceTests(BlueGreenServiceFixture fixture) => _f = fixture;

    private Template T(ServiceRuntimeStack s) => _f.Scenario.Template(s);

    [Fact]
    public void New_vpc_restricts_its_default_security_group()
    {
        var vpcId = Assert.Single(_f.Scenario.Resources(_f.Staging, "AWS::EC2::VPC")).LogicalId;

        // CDK's custom resource removes every rule of the VPC's default security group.
        var restrict = _f.Scenario.Single(_f.Staging, "Custom::VpcRestrictDefaultSG")["Properties"]!;
        Assert.Equal($$"""{"Fn::GetAtt":["{{vpcId}}","DefaultSecurityGroup"]}""", restrict["DefaultSecurityGroupId"]!.ToJsonString());

        // Its provider may change the rules of that one security group, and its role is named by convention.
        var role = _f.Scenario.Resources(_f.Staging, "AWS::IAM::Role")
            .Single(r => r.LogicalId.StartsWith("CustomVpcRestrictDefaultSGCustomResourceProviderRole", StringComparison.Ordinal)).Resource["Properties"]!;
        Assert.Equal("orders-staging-restrict-default-sg-dev", role["RoleName"]!.GetValue<string>());
        var statement = Assert.Single(Assert.Single(role["Policies"]!.AsArray())!["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("""["ec2:AuthorizeSecurityGroupIngress","ec2:AuthorizeSecurityGroupEgress","ec2:RevokeSecurityGroupIngress","ec2:RevokeSecurityGroupEgress"]""",
            statement["Action"]!.ToJsonString());
        var resource = Json.Render(Assert.Single(statement["Resource"]!.AsArray()));
        Assert.Contains(":ec2:us-east-1:111111111111:security-group/", resource);
        Assert.Contains($$"""{"Fn::GetAtt":["{{vpcId}}","DefaultSecurityGroup"]}""", statement["Resource"]!.ToJsonString());
    }

    [Fact]
    public void Flow_logs_deliver_with_a_named_role_only_this_accounts_flow_logs_may_assume()
    {
        var flowLog = _f.Scenario.Single(_f.Staging, "AWS::EC2::FlowLog")["Properties"]!;
        var roleId = flowLog["DeliverLogsPermissionArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var role = _f.Scenario.Json(_f.Staging)["Resources"]![roleId]!["Properties"]!;

        Assert.Equal("orders-staging-vpc-flow-logs-dev", role["RoleName"]!.GetValue<string>());
        var trust = Assert.Single(role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("vpc-flow-logs.amazonaws.com", trust["Principal"]!["Service"]!.GetValue<string>());
        Assert.Equal("111111111111", trust["Condition"]!["StringEquals"]!["aws:SourceAccount"]!.GetValue<string>());
        Assert.Equal("REJECT", flowLog["TrafficType"]!.GetValue<string>());
    }

    [Fact]
    public void Production_listener_serves_http_on_80_and_test_listener_its_own_port()
    {
        var listeners = _f.Scenario.Resources(_f.Staging, "AWS::ElasticLoadBalancingV2::Listener").Select(r => r.Resource["Properties"]!).ToList();
        Assert.Equal(new[] { 80, 9000 }, listeners.Select(l => l["Port"]!.GetValue<int>()).Order());
        Assert.All(listeners, l => Assert.Equal("HTTP", l["Protocol"]!.GetValue<string>()));
    }

    [Fact]
    public void With_a_certificate_production_is_https_on_443_and_http_redirects()
    {
        T(_f.Https).HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Match.ObjectLike(new Dictionary<string, object>
        {
            ["Port"] = 443, ["Protocol"] = "HTTPS",
            ["Certificates"] = new[] { new Dictionary<string, object> { ["CertificateArn"] = "arn:aws:acm:us-east-1:111111111111:certificate/abc-123" } },
        }));
        T(_f.Https).HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Match.ObjectLike(new Dictionary<string, object>
        {
            ["Port"] = 80,
            ["DefaultActions"] = new[] { Match.ObjectLike(new Dictionary<string, object> { ["Type"] = "redirect" }) },
        }));
        T(_f.Https).HasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Match.ObjectLike(new Dictionary<string, object> { ["Scheme"] = "internal" }));
    }

    [Fact]
    public void The_http_redirect_takes_port_80_only_after_the_production_listener_moved_to_443()
    {
        // Adding HTTPS updates the production listener from 80 to 443 in place; created in parallel,
        // the redirect listener would find port 80 still taken.
        var listeners = _f.Scenario.Resources(_f.Https, "AWS::ElasticLoadBalancingV2::Listener").ToList();
        var production = listeners.Single(l => l.Resource["Properties"]!["Port"]!.GetValue<int>() == 443).LogicalId;
        var redirect = listeners.Single(l => l.Resource["Properties"]!["Port"]!.GetValue<int>() == 80).Resource;
        Assert.Contains(production, Json.List(redirect["DependsOn"]));
    }

    [Fact]
    public void A_custom_traffic_shifting_config_is_named_by_its_routing()
    {
        var config = Assert.Single(_f.Scenario.Resources(_f.Https, "AWS::CodeDeploy::DeploymentConfig"));
        var expected = ReplaceableNames.TrafficConfig(_f.Https.Names, TrafficShifting.Linear(20, 2));
        Assert.Equal(expected, config.Resource["Properties"]!["DeploymentConfigName"]!.GetValue<string>());
        Assert.Matches("^orders-canary-traffic-dev-[0-9a-f]{6}$", expected);
        // The deployment group follows a renamed config in place (DeploymentConfigName is an ordinary update).
        var group = _f.Scenario.Single(_f.Https, "AWS::CodeDeploy::DeploymentGroup")["Properties"]!;
        Assert.Equal($$"""{"Ref":"{{config.LogicalId}}"}""", group["DeploymentConfigName"]!.ToJsonString());
    }

    [Fact]
    public void Two_ip_target_groups_check_the_configured_health_path_on_the_container_port()
    {
        var groups = _f.Scenario.Resources(_f.Staging, "AWS::ElasticLoadBalancingV2::TargetGroup").Select(r => r.Resource["Properties"]!).ToList();
        Assert.Equal(2, groups.Count);
        Assert.All(groups, g =>
        {
            Assert.Equal(8080, g["Port"]!.GetValue<int>());
            Assert.Equal("ip", g["TargetType"]!.GetValue<string>());
            Assert.Equal("/health", g["HealthCheckPath"]!.GetValue<string>());
            Assert.Equal("200", g["Matcher"]!["HttpCode"]!.GetValue<string>());
        });
        // Named by the service/target-group pair's hash (ReplaceableNames): a port change gets new ones beside the old.
        var pair = ReplaceableNames.ServicePair(_f.Staging.Names, new ServicePairInputs(
            ReplaceableNames.LoadBalancer(_f.Staging.Names, true, "cidr 10.0.0.0/16"),
            new NetworkIdentity("cidr 10.0.0.0/16", "zones us-east-1b,us-east-1c"), "app", 8080, "HTTP 80"));
        Assert.Equal(new[] { pair.BlueTargetGroup, pair.GreenTargetGroup }, groups.Select(g => g["Name"]!.GetValue<string>()).Order());
        Assert.Matches("^orders-staging-blue-dev-[0-9a-f]{6}$", pair.BlueTargetGroup);
        Assert.Equal(pair.Service, _f.Scenario.Single(_f.Staging, "AWS::ECS::Service")["Properties"]!["ServiceName"]!.GetValue<string>());
    }

    [Fact]
    public void Service_uses_the_code_deploy_controller_in_private_subnets_without_public_ip()
    {
        var service = _f.Scenario.Single(_f.Staging, "AWS::ECS::Service")["Properties"]!;
        Assert.Equal("CODE_DEPLOY", service["DeploymentController"]!["Type"]!.GetValue<string>());
        Assert.Equal("DISABLED", service["NetworkConfiguration"]!["AwsvpcConfiguration"]!["AssignPublicIp"]!.GetValue<string>());
        Assert.Equal("FARGATE", service["LaunchType"]!.GetValue<string>());
        var subnets = Json.List(service["NetworkConfiguration"]!["AwsvpcConfiguration"]!["Subnets"]);
        Assert.All(subnets, s => Assert.Contains("privateSubnet", s));
        Assert.Equal(1, service["DesiredCount"]!.GetValue<int>());
        Assert.Equal(2, _f.Scenario.Single(_f.Prod, "AWS::ECS::Service")["Properties"]!["DesiredCount"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(0, "CodeDeployDefault.ECSAllAtOnce", 0)]
    [InlineData(1, "CodeDeployDefault.ECSCanary10Percent5Minutes", 10)]
    public void Traffic_shifting_and_termination_wait_follow_the_environment(int index, string config, int waitMinutes)
    {
        var stack = _f.Scenario.Services[0].Runtimes[index];
        var group = _f.Scenario.Single(stack, "AWS::CodeDeploy::DeploymentGroup")["Properties"]!;
        Assert.Equal(config, group["DeploymentConfigName"]!.GetValue<string>());
        Assert.Equal(waitMinutes, group["BlueGreenDeploymentConfiguration"]!["TerminateBlueInstancesOnDeploymentSuccess"]!["TerminationWaitTimeInMinutes"]!.GetValue<int>());
        Assert.Equal("BLUE_GREEN", group["DeploymentStyle"]!["DeploymentType"]!.GetValue<string>());
    }

    [Fact]
    public void A_linear_policy_without_a_predefined_config_creates_one()
    {
        T(_f.Https).HasResourceProperties("AWS::CodeDeploy::DeploymentConfig", Match.ObjectLike(new Dictionary<string, object>
        {
            ["ComputePlatform"] = "ECS",
            ["TrafficRoutingConfig"] = new Dictionary<string, object>
            {
                ["Type"] = "TimeBasedLinear",
                ["TimeBasedLinear"] = new Dictionary<string, object> { ["LinearInterval"] = 2, ["LinearPercentage"] = 20 },
            },
        }));
    }

    [Fact]
    public void Deployments_roll_back_on_failure_stop_and_alarm()
    {
        var group = _f.Scenario.Single(_f.Prod, "AWS::CodeDeploy::DeploymentGroup")["Properties"]!;
        Assert.True(group["AutoRollbackConfiguration"]!["Enabled"]!.GetValue<bool>());
        Assert.Equal(new[] { "DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST" },
            group["AutoRollbackConfiguration"]!["Events"]!.AsArray().Select(e => e!.GetValue<string>()).Order());
        Assert.True(group["AlarmConfiguration"]!["Enabled"]!.GetValue<bool>());
        Assert.Equal(4, group["AlarmConfiguration"]!["Alarms"]!.AsArray().Count);
    }

    [Fact]
    public void Alarms_watch_5xx_and_unhealthy_hosts_of_both_target_groups()
    {
        var alarms = _f.Scenario.Resources(_f.Staging, "AWS::CloudWatch::Alarm").Select(r => r.Resource["Properties"]!).ToList();
        var byMetric = alarms.GroupBy(a => a["MetricName"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(2, byMetric["HTTPCode_Target_5XX_Count"].Count);
        Assert.Equal(2, byMetric["UnHealthyHostCount"].Count);
        Assert.All(alarms, a => Assert.Equal("AWS/ApplicationELB", a["Namespace"]!.GetValue<string>()));
        var targetGroups = alarms.Select(a => Json.Render(a["Dimensions"]!.AsArray().First(d => d!["Name"]!.GetValue<string>() == "TargetGroup")!["Value"])).Distinct();
        Assert.Equal(2, targetGroups.Count());
    }

    [Fact]
    public void Logs_are_kept_30_days()
    {
        var groups = _f.Scenario.Resources(_f.Staging, "AWS::Logs::LogGroup").Select(r => r.Resource["Properties"]!).ToList();
        Assert.Contains(groups, g => g["LogGroupName"]!.GetValue<string>() == "/slipway/orders-staging-service-dev");
        Assert.All(groups, g => Assert.Equal(30, g["RetentionInDays"]!.GetValue<int>()));
    }

    [Fact]
    public void Only_the_load_balancer_reaches_the_tasks()
    {
        var ingress = _f.Scenario.Resources(_f.Staging, "AWS::EC2::SecurityGroupIngress").Select(r => r.Resource["Properties"]!).ToList();
        var toTasks = Assert.Single(ingress, i => i["FromPort"]!.GetValue<int>() == 8080);
        Assert.Contains("LoadBalancerSecurityGroup", Json.Render(toTasks["SourceSecurityGroupId"]));
        var serviceGroup = _f.Scenario.Resources(_f.Staging, "AWS::EC2::SecurityGroup").Single(r => r.LogicalId.Contains("ServiceSecurityGroup")).Resource["Properties"]!;
        Assert.Null(serviceGroup["SecurityGroupIngress"]);
    }

    [Fact]
    public void Test_listener_is_reachable_only_from_the_configured_cidrs_and_the_traffic_gate()
    {
        // Besides the configured CIDRs (default: the VPC's), only the traffic gate, which reaches an
        // internet-facing load balancer from the NAT gateways' Elastic IPs (TrafficGateTests).
        static bool IsGate(JsonNode? r) => Json.Render(r!["CidrIp"]).Contains("EIP", StringComparison.Ordinal);
        var albGroup = _f.Scenario.Resources(_f.Https, "AWS::EC2::SecurityGroup").Single(r => r.LogicalId.Contains("LoadBalancerSecurityGroup")).Resource["Properties"]!;
        var rules = albGroup["SecurityGroupIngress"]!.AsArray();
        var test = Assert.Single(rules, r => r!["FromPort"]!.GetValue<int>() == 9000 && !IsGate(r));
        Assert.Equal("10.20.0.0/16", test!["CidrIp"]!.GetValue<string>());
        Assert.All(rules.Where(r => r!["FromPort"]!.GetValue<int>() == 9000 && IsGate(r)), r => Assert.Matches(@"^<ServiceVpcpublicSubnet\dEIP[0-9A-F]{8}>/32$", Json.Render(r!["CidrIp"])));
        var stagingAlb = _f.Scenario.Resources(_f.Staging, "AWS::EC2::SecurityGroup").Single(r => r.LogicalId.Contains("LoadBalancerSecurityGroup")).Resource["Properties"]!;
        var stagingTest = Assert.Single(stagingAlb["SecurityGroupIngress"]!.AsArray(), r => r!["FromPort"]!.GetValue<int>() == 9000 && !IsGate(r));
        // The VPC's CIDR as written (literal, so checks such as cdk-nag's EC2 rules can read it).
        Assert.Equal(new Slipway.Model.NetworkSettings().VpcCidr, stagingTest!["CidrIp"]!.GetValue<string>());
        Assert.Contains(stagingAlb["SecurityGroupIngress"]!.AsArray(), r => r!["FromPort"]!.GetValue<int>() == 80 && r["CidrIp"]!.GetValue<string>() == "0.0.0.0/0");
    }

    [Fact]
    public void Nat_gateways_are_one_outside_production_and_two_in_production()
    {
        Assert.Single(_f.Scenario.Resources(_f.Staging, "AWS::EC2::NatGateway"));
        Assert.Equal(2, _f.Scenario.Resources(_f.Prod, "AWS::EC2::NatGateway").Count());
    }

    [Fact]
    public void Cluster_has_container_insights()
    {
        T(_f.Staging).HasResourceProperties("AWS::ECS::Cluster", Match.ObjectLike(new Dictionary<string, object>
        {
            ["ClusterSettings"] = new[] { new Dictionary<string, object> { ["Name"] = "containerInsights", ["Value"] = "enabled" } },
        }));
    }

    [Fact]
    public void Placeholder_answers_the_health_check_on_the_container_port_before_the_first_deployment()
    {
        var task = _f.Scenario.Single(_f.Staging, "AWS::ECS::TaskDefinition")["Properties"]!;
        var container = task["ContainerDefinitions"]![0]!;
        Assert.Equal(BlueGreenService.PlaceholderImage, container["Image"]!.GetValue<string>());
        Assert.Equal(8080, container["PortMappings"]![0]!["ContainerPort"]!.GetValue<int>());
        Assert.Contains("('', 8080)", container["Command"]![0]!.GetValue<string>());
        Assert.Contains("send_response(200)", container["Command"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Resources_carry_the_standard_tags()
    {
        foreach (var type in new[] { "AWS::ECS::Service", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::IAM::Role" })
        {
            var tags = _f.Scenario.Resources(_f.Prod, type).First().Resource["Properties"]!["Tags"]!.AsArray()
                .ToDictionary(t => t!["Key"]!.GetValue<string>(), t => t!["Value"]!.GetValue<string>());
            Assert.Equal("prod", tags["Environment"]);
            Assert.Equal("storefront", tags["Project"]);
            Assert.Equal("cc-1234", tags["CostCenter"]);
            Assert.Equal("orders", tags["Service"]);
            Assert.Equal("slipway", tags["ManagedBy"]);
        }
    }

    [Fact]
    public void Physical_names_carry_service_environment_and_suffix_within_limits()
    {
        var alb = _f.Scenario.Single(_f.Prod, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]!["Name"]!.GetValue<string>();
        Assert.Matches("^orders-prod-alb-dev-[0-9a-f]{6}$", alb);
        Assert.Equal(ReplaceableNames.LoadBalancer(_f.Prod.Names, true, "cidr 10.0.0.0/16"), alb);
        var roles = _f.Scenario.Resources(_f.Prod, "AWS::IAM::Role").Select(r => r.Resource["Properties"]!["RoleName"]?.GetValue<string>()).Where(n => n is not null).ToList();
        Assert.Contains("orders-prod-task-exec-dev", roles);
        Assert.All(roles, r => Assert.True(r!.Length <= 64));
    }

    [Fact]
    public void Outputs_give_urls_cluster_service_and_deployment_group()
    {
        var outputs = _f.Scenario.Json(_f.Staging)["Outputs"]!.AsObject().Select(o => o.Key).ToList();
        Assert.Superset(new HashSet<string> { "ServiceUrl", "TestListenerUrl", "ClusterName", "ServiceName", "DeploymentGroupName" }, outputs.ToHashSet());
        Assert.Contains(":9000", Json.Render(_f.Scenario.Json(_f.Staging)["Outputs"]!["TestListenerUrl"]!["Value"]));
    }

    [Fact]
    public void Execution_role_reads_only_the_declared_secrets()
    {
        var statements = Json.Statements(_f.Scenario.Json(_f.Staging)).Where(s => s.LogicalId.Contains("ExecutionRole")).Select(s => s.Statement).ToList();
        var secrets = Assert.Single(statements, s => Json.List(s["Action"]).Contains("secretsmanager:GetSecretValue"));
        // The partition is the stack's (aws, aws-cn, aws-us-gov), not a literal arn:aws.
        Assert.Equal(new[] { "arn:<AWS::Partition>:secretsmanager:us-east-1:111111111111:secret:orders/db-??????" }, Json.List(secrets["Resource"]));
    }
}
