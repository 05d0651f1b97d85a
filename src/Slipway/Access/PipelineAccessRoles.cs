using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Slipway.Conventions;
using Amazon.CDK.AWS.CodeDeploy;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;

namespace Slipway.Access;

/// <summary>Props of <see cref="PipelineAccessRoles"/>.</summary>
public sealed class PipelineAccessRolesProps
{
    /// <summary>Names of the service in this environment.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>The account the pipeline runs in (may be this environment's own account).</summary>
    public required string ToolingAccount { get; init; }

    /// <summary>The region the pipeline runs in.</summary>
    public required string ToolingRegion { get; init; }

    /// <summary>The CodeDeploy application the deploy role creates deployments in.</summary>
    public required IEcsApplication Application { get; init; }

    /// <summary>The deployment group the deploy role deploys with and the alarm-rollback role reconfigures.</summary>
    public required IEcsDeploymentGroup DeploymentGroup { get; init; }

    /// <summary>The cluster the integration-test role starts test tasks in.</summary>
    public required ICluster Cluster { get; init; }

    /// <summary>The ECS service the integration-test role reads (its network configuration).</summary>
    public required IBaseService Service { get; init; }

    /// <summary>The service's task execution role and task role: new task definitions name them (the roles may pass them to ECS).</summary>
    public required IReadOnlyList<IRole> TaskRoles { get; init; }

    /// <summary>The service's log group, where the integration-test role reads the test task's output.</summary>
    public required ILogGroup LogGroup { get; init; }

    /// <summary>Whether the artifacts are encrypted with the pipeline's customer-managed key.</summary>
    public required bool ArtifactsUseKms { get; init; }

    /// <summary>Whether the pipeline runs integration tests in this environment.</summary>
    /// <remarks>Default: false: no integration-test role (nothing would use its RunTask and PassRole grants).</remarks>
    public bool RunsIntegrationTests { get; init; }

    /// <summary>The tags put on the roles.</summary>
    /// <remarks>Default: Service and Project <see cref="ResourceNames.Service"/>, Environment <see cref="ResourceNames.Environment"/>, CostCenter "unassigned", ManagedBy slipway.</remarks>
    public SlipwayTags? Tags { get; init; }
}

/// <summary>
/// The roles the pipeline assumes inside an environment's account: one to deploy through
/// CodeDeploy and, where the environment has integration tests, one to run their tasks. Each trusts only the pipeline's own role in the
/// tooling account (by name), and each name is deterministic so the pipeline can refer to it.
/// </summary>
public sealed class PipelineAccessRoles : Construct
{
    /// <summary>The role the pipeline's deploy action runs with.</summary>
    public Role DeployRole { get; }

    /// <summary>The role the alarm-rollback switch assumes: reads and sets the deployment group's alarm configuration.</summary>
    public Role AlarmRollbackRole { get; }

    /// <summary>The role the integration-test build assumes, when the environment has integration tests.</summary>
    public Role? IntegrationTestRole { get; }

    /// <summary>Creates the roles.</summary>
    public PipelineAccessRoles(Construct scope, string id, PipelineAccessRolesProps props) : base(scope, id)
    {
        // The pipeline assumes these roles by ARN: they must be in a known account and region.
        StackEnvironment.Require(this, nameof(PipelineAccessRoles), "the pipeline in the tooling account assumes these roles by their ARN there");
        var names = props.Names;
        var stack = Stack.Of(this);
        // Read once: every property read is a round trip to the JavaScript runtime.
        var (partition, region, account) = (stack.Partition, stack.Region, stack.Account);

        DeployRole = new Role(this, "DeployRole", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", SharedNames.DeployRole(names)),
            AssumedBy = TrustedPipelineRole(props.ToolingRegion, props.ToolingAccount, SharedNames.PipelineRole(names)),
            Description = $"Assumed by the {names.Service} pipeline to deploy to {names.Environment} through CodeDeploy.",
        });
        // Actions of the CodePipeline CodeDeployToECS action, as aws-cdk's CodeDeployEcsDeployAction
        // grants them: https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html
        var deploymentConfigArn = $"arn:{partition}:codedeploy:{region}:{account}:deploymentconfig:*";
        DeployRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CreateDeployment",
            Actions = new[]
            {
                "codedeploy:CreateDeployment", "codedeploy:GetApplication", "codedeploy:GetApplicationRevision",
                "codedeploy:GetDeployment", "codedeploy:RegisterApplicationRevision", "codedeploy:GetDeploymentConfig",
            },
            Resources = new[] { props.Application.ApplicationArn, props.DeploymentGroup.DeploymentGroupArn, deploymentConfigArn },
        }));
        // ecs:RegisterTaskDefinition has no resource-level permission:
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
        DeployRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "RegisterTaskDefinition",
            Actions = new[] { "ecs:RegisterTaskDefinition" },
            Resources = new[] { "*" },
        }));
        // The generated task definitions carry the ManagedBy tag; tagging on create needs
        // ecs:TagResource: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html
        DeployRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "TagNewTaskDefinitions",
            Actions = new[] { "ecs:TagResource" },
            Resources = new[] { $"arn:{stack.Partition}:ecs:{stack.Region}:{stack.Account}:task-definition/{SharedNames.TaskFamily(names)}:*" },
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["ecs:CreateAction"] = "RegisterTaskDefinition" },
            },
        }));
        DeployRole.AddToPolicy(PassTaskRoles(props.TaskRoles));
        DeployRole.AddToPolicy(ReadArtifacts(names, props.ToolingAccount));
        if (props.ArtifactsUseKms)
        {
            DeployRole.AddToPolicy(DecryptArtifacts(names, props.ToolingAccount, props.ToolingRegion));
        }
        Guardrails.DenyTerminateInstances(DeployRole);
        NagSuppressions.OnTree(DeployRole, "AwsSolutions-IAM5",
            "ecs:RegisterTaskDefinition supports no resource-level permission; CodeDeploy deployment configs are matched by type (deploymentconfig:*) as the CodeDeployToECS action requires; artifacts are read under the pipeline bucket only; the TerminateInstances statement is a deny.",
            "Resource::*", $"Resource::arn:<AWS::Partition>:codedeploy:{stack.Region}:{stack.Account}:deploymentconfig:*",
            $"Resource::arn:<AWS::Partition>:ecs:{stack.Region}:{stack.Account}:task-definition/{SharedNames.TaskFamily(names)}:*",
            $"Resource::arn:<AWS::Partition>:s3:::{SharedNames.ArtifactBucket(names, props.ToolingAccount)}/*",
            $"Resource::arn:<AWS::Partition>:kms:{props.ToolingRegion}:{props.ToolingAccount}:key/*");

        AlarmRollbackRole = new Role(this, "AlarmRollbackRole", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", SharedNames.AlarmRollbackRole(names)),
            AssumedBy = TrustedPipelineRole(props.ToolingRegion, props.ToolingAccount, SharedNames.AlarmRollbackBuildRole(names)),
            Description = $"Assumed by the {names.Service} pipeline's alarm-rollback switch to turn alarm-based rollback off for a hotfix execution in {names.Environment}, and on again.",
        });
        // Only the alarm configuration changes (the script passes --alarm-configuration alone, no
        // service role: no iam:PassRole): https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_UpdateDeploymentGroup.html
        AlarmRollbackRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "SwitchAlarmRollback",
            Actions = new[] { "codedeploy:GetDeploymentGroup", "codedeploy:UpdateDeploymentGroup" },
            Resources = new[] { props.DeploymentGroup.DeploymentGroupArn },
        }));
        Guardrails.DenyTerminateInstances(AlarmRollbackRole);
        NagSuppressions.OnTree(AlarmRollbackRole, "AwsSolutions-IAM5", "The TerminateInstances statement is a deny.", "Resource::*");

        if (props.RunsIntegrationTests)
        {
            IntegrationTestRole = CreateIntegrationTestRole(props, names);
        }

        ConstructTags.Apply(this, props.Tags, names);
    }

    private Role CreateIntegrationTestRole(PipelineAccessRolesProps props, ResourceNames names)
    {
        var stack = Stack.Of(this);
        var (partition, region, account) = (stack.Partition, stack.Region, stack.Account);
        var role = new Role(this, "IntegrationTestRole", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", SharedNames.IntegrationTestRole(names)),
            AssumedBy = TrustedPipelineRole(props.ToolingRegion, props.ToolingAccount, SharedNames.IntegrationTestBuildRole(names)),
            Description = $"Assumed by the {names.Service} integration-test build to run a temporary test task in {names.Environment}.",
        });
        var cluster = props.Cluster;
        var clusterArn = cluster.ClusterArn;
        var family = SharedNames.TaskFamily(names);
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadService",
            Actions = new[] { "ecs:DescribeServices" },
            Resources = new[] { props.Service.ServiceArn },
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "RunTestTask",
            Actions = new[] { "ecs:RunTask" },
            Resources = new[] { $"arn:{partition}:ecs:{region}:{account}:task-definition/{family}:*" },
            Conditions = new Dictionary<string, object> { ["ArnEquals"] = new Dictionary<string, object> { ["ecs:cluster"] = clusterArn } },
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "WatchAndStopTestTask",
            Actions = new[] { "ecs:DescribeTasks", "ecs:StopTask" },
            Resources = new[] { $"arn:{partition}:ecs:{region}:{account}:task/{cluster.ClusterName}/*" },
        }));
        role.AddToPolicy(PassTaskRoles(props.TaskRoles));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadTestLogs",
            Actions = new[] { "logs:GetLogEvents" },
            Resources = new[] { props.LogGroup.LogGroupArn },
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadRuntimeParameters",
            Actions = new[] { "ssm:GetParameter", "ssm:GetParameters" },
            Resources = new[] { $"arn:{partition}:ssm:{region}:{account}:parameter{names.ParameterPath("*")}" },
        }));
        Guardrails.DenyTerminateInstances(role);
        NagSuppressions.OnTree(role, "AwsSolutions-IAM5",
            "Test tasks get fresh ids: RunTask is scoped to the service's task family and cluster, Describe/StopTask to tasks of that cluster, parameters to the service's own path; the TerminateInstances statement is a deny.",
            "Resource::*", $"Resource::arn:<AWS::Partition>:ecs:{stack.Region}:{stack.Account}:task-definition/{family}:*",
            // A created cluster appears as a reference, an imported one by its name.
            $"Resource::arn:<AWS::Partition>:ecs:{stack.Region}:{stack.Account}:task/{(cluster.Node.DefaultChild is null ? cluster.ClusterName : NagSuppressions.Ref(cluster))}/*",
            $"Resource::arn:<AWS::Partition>:ssm:{stack.Region}:{stack.Account}:parameter{names.ParameterPath("*")}",
            $"Resource::{NagSuppressions.Ref(props.LogGroup, "Arn")}");
        return role;
    }

    private static IPrincipal TrustedPipelineRole(string toolingRegion, string toolingAccount, string roleName) =>
        // Trust the tooling account, then narrow to the one role that acts for this service. The
        // condition (not a role principal) keeps the trust valid before that role exists and
        // after it is recreated (RolePrincipals).
        // Literal partition: RolePrincipals reads the account from the ARN.
        RolePrincipals.OfRole(SharedNames.RoleArn(Partitions.OfRegion(toolingRegion), toolingAccount, roleName));

    private static PolicyStatement PassTaskRoles(IReadOnlyList<IRole> taskRoles) => new(new PolicyStatementProps
    {
        Sid = "PassTaskRoles",
        Actions = new[] { "iam:PassRole" },
        Resources = taskRoles.Select(r => r.RoleArn).ToArray(),
        Conditions = new Dictionary<string, object>
        {
            ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "ecs-tasks.amazonaws.com" },
        },
    });

    private static PolicyStatement ReadArtifacts(ResourceNames names, string toolingAccount) => new(new PolicyStatementProps
    {
        Sid = "ReadPipelineArtifacts",
        Actions = new[] { "s3:GetObject", "s3:GetObjectVersion" },
        Resources = new[] { $"arn:{Aws.PARTITION}:s3:::{SharedNames.ArtifactBucket(names, toolingAccount)}/*" },
    });

    private static PolicyStatement DecryptArtifacts(ResourceNames names, string toolingAccount, string toolingRegion) => new(new PolicyStatementProps
    {
        Sid = "DecryptPipelineArtifacts",
        Actions = new[] { "kms:Decrypt", "kms:DescribeKey" },
        // The key's id is not known here; its alias is. kms:ResourceAliases narrows to that key:
        // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
        Resources = new[] { $"arn:{Aws.PARTITION}:kms:{toolingRegion}:{toolingAccount}:key/*" },
        Conditions = new Dictionary<string, object>
        {
            ["ForAnyValue:StringEquals"] = new Dictionary<string, object> { ["kms:ResourceAliases"] = SharedNames.ArtifactKeyAlias(names) },
        },
    });
}
