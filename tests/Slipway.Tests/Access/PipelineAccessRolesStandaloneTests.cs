using Amazon.CDK;
using Amazon.CDK.AWS.CodeDeploy;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Slipway.Access;
using Slipway.Conventions;
using Slipway.Tests.Runtime;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Access;

/// <summary><see cref="PipelineAccessRoles"/> alone in a bare stack, given what it may touch by interface.</summary>
[Collection(StandaloneRuntimeCollection.Name)]
public sealed class PipelineAccessRolesStandaloneTests(StandaloneRuntimeScenario s)
{
    [Fact]
    public void The_deploy_role_trusts_only_the_named_pipeline_role_of_the_tooling_account()
    {
        var trust = Assert.Single(s.Properties(s.Access.DeployRole)["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("sts:AssumeRole", trust["Action"]!.GetValue<string>());
        Assert.Contains(":iam::222222222222:root", Json.Render(trust["Principal"]!["AWS"]));
        Assert.Equal("arn:aws:iam::222222222222:role/orders-pipeline-dev",
            Json.Render(trust["Condition"]!["ArnEquals"]?["aws:PrincipalArn"] ?? trust["Condition"]!.AsObject().Single().Value!["aws:PrincipalArn"]));
    }

    [Fact]
    public void It_may_deploy_only_with_the_given_application_and_deployment_group()
    {
        var create = Json.Statements(s.Template).Single(x => x.Statement["Sid"]?.GetValue<string>() == "CreateDeployment").Statement;
        var resources = Json.List(create["Resource"]);
        Assert.Equal(3, resources.Count);
        Assert.Contains(resources, r => r.Contains($"application:<{s.LogicalId(s.Service.Application)}>", StringComparison.Ordinal));
        Assert.Contains(resources, r => r.Contains("deploymentgroup:", StringComparison.Ordinal) && r.Contains(s.LogicalId(s.Service.DeploymentGroup), StringComparison.Ordinal));
        var switchRollback = Json.Statements(s.Template).Single(x => x.Statement["Sid"]?.GetValue<string>() == "SwitchAlarmRollback").Statement;
        Assert.Contains(s.LogicalId(s.Service.DeploymentGroup), Assert.Single(Json.List(switchRollback["Resource"])));
        // No integration-test role unless asked for; no bucket, key or pipeline of its own.
        Assert.Null(s.Access.IntegrationTestRole);
        Assert.Empty(s.Resources("AWS::CodePipeline::Pipeline"));
        Assert.Single(s.Resources("AWS::S3::Bucket")); // the load balancer's access logs
    }

    [Fact]
    public void Its_roles_carry_slipway_tags()
    {
        foreach (var role in new[] { s.Access.DeployRole, s.Access.AlarmRollbackRole })
        {
            Assert.Equal("CostCenter=unassigned Environment=staging ManagedBy=slipway Project=orders Service=orders",
                string.Join(" ", s.Properties(role)["Tags"]!.AsArray().Select(t => $"{t!["Key"]}={t["Value"]}").Order(StringComparer.Ordinal)));
        }
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
        var application = EcsApplication.FromEcsApplicationName(stack, "App", "orders-staging-dev");
        var e = Assert.Throws<SlipwayValidationException>(() => new PipelineAccessRoles(stack, "PipelineAccess", new PipelineAccessRolesProps
        {
            Names = new ResourceNames("orders", "staging", "dev"),
            ToolingAccount = "222222222222",
            ToolingRegion = "us-east-1",
            Application = application,
            DeploymentGroup = EcsDeploymentGroup.FromEcsDeploymentGroupAttributes(stack, "Group", new EcsDeploymentGroupAttributes { Application = application, DeploymentGroupName = "orders-staging-dev" }),
            Cluster = cluster,
            Service = FargateService.FromFargateServiceAttributes(stack, "Service", new FargateServiceAttributes { Cluster = cluster, ServiceName = "orders" }),
            TaskRoles = new[] { Role.FromRoleName(stack, "Role", "orders-staging-task-dev") },
            LogGroup = LogGroup.FromLogGroupName(stack, "Logs", "/orders/staging"),
            ArtifactsUseKms = false,
        }));
        Assert.StartsWith("Agnostic/PipelineAccess: Env.Account and Env.Region of the stack Agnostic are not set: PipelineAccessRoles needs the stack's account and region", e.Message);
    }
}
