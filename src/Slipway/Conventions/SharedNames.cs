using Slipway.Conventions;

namespace Slipway.Conventions;

/// <summary>
/// The names the tooling account and the environment accounts agree on. They are derived, never
/// passed as tokens, because CloudFormation cannot reference resources across accounts.
/// </summary>
public static class SharedNames
{
    /// <summary>The CodePipeline service role (tooling account).</summary>
    public static string PipelineRole(ResourceNames names) => names.ForEnvironment(null).Role("pipeline");

    /// <summary>The CodeBuild role that runs integration tests (tooling account).</summary>
    public static string IntegrationTestBuildRole(ResourceNames names) => names.ForEnvironment(null).Role("itest-build");

    /// <summary>The CodeBuild role that switches alarm-based rollback on and off (tooling account).</summary>
    public static string AlarmRollbackBuildRole(ResourceNames names) => names.ForEnvironment(null).Role("alarms-build");

    /// <summary>The role the alarm-rollback switch assumes in an environment (environment account).</summary>
    public static string AlarmRollbackRole(ResourceNames names) => names.Role("alarms");

    /// <summary>The ECR repository (tooling account).</summary>
    public static string Repository(ResourceNames names) => names.ForEnvironment(null).Name("images", 256);

    /// <summary>The artifact bucket (tooling account).</summary>
    public static string ArtifactBucket(ResourceNames names, string toolingAccount) => names.ForEnvironment(null).Bucket("artifacts", toolingAccount);

    /// <summary>The alias of the artifact key (tooling account, cross-account mode).</summary>
    public static string ArtifactKeyAlias(ResourceNames names) => "alias/" + names.ForEnvironment(null).Name("artifacts", 200);

    /// <summary>The role the pipeline assumes to deploy into an environment (environment account).</summary>
    public static string DeployRole(ResourceNames names) => names.Role("deploy");

    /// <summary>The role the integration-test build assumes in an environment (environment account).</summary>
    public static string IntegrationTestRole(ResourceNames names) => names.Role("itest");

    /// <summary>The task execution role (environment account).</summary>
    public static string ExecutionRole(ResourceNames names) => names.Role("task-exec");

    /// <summary>The task role (environment account).</summary>
    public static string TaskRole(ResourceNames names) => names.Role("task");

    /// <summary>The application log group (environment account).</summary>
    public static string LogGroup(ResourceNames names) => names.LogGroup("service");

    /// <summary>The task definition family (environment account).</summary>
    public static string TaskFamily(ResourceNames names) => names.Name("task", 255);

    /// <summary>The CodeDeploy application (environment account).</summary>
    public static string DeployApplication(ResourceNames names) => names.Name("deploy", 100);

    /// <summary>The CodeDeploy deployment group (environment account).</summary>
    public static string DeploymentGroup(ResourceNames names) => names.Name("dg", 100);

    /// <summary>
    /// The traffic gate's function (environment account): the AfterAllowTestTraffic hook the
    /// generated appspec names, so its name is fixed.
    /// </summary>
    public static string TrafficGateFunction(ResourceNames names) => names.Name("traffic-gate", 64);

    /// <summary>The ARN of <see cref="TrafficGateFunction"/> in the environment's account and region (literal: it is written into the appspec).</summary>
    public static string TrafficGateFunctionArn(string account, string region, ResourceNames names) =>
        $"arn:{Partitions.OfRegion(region)}:lambda:{region}:{account}:function:{TrafficGateFunction(names)}";

    /// <summary>An IAM role ARN from its partition (<c>Stack.Partition</c> in a template, <see cref="Partitions.OfRegion"/> for literal text), account and name.</summary>
    public static string RoleArn(string partition, string account, string roleName) => $"arn:{partition}:iam::{account}:role/{roleName}";
}
