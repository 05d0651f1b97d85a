using LambdaRuntime = Amazon.CDK.AWS.Lambda.Runtime;
using RuntimeFamily = Amazon.CDK.AWS.Lambda.RuntimeFamily;

namespace Slipway.Conventions;

/// <summary>
/// Facts that the generated deployment files (Build), the runtime constructs (Runtime), the
/// pipeline's validation (Model) and the observability handlers all rely on. They live here, below
/// every layer that uses them, so that no layer reads them from a peer or a higher one.
/// </summary>
public static class DeploymentContract
{
    /// <summary>The CodeDeploy lifecycle event the traffic gate hooks (named in each appspec's hooks).</summary>
    public const string TestTrafficHook = "AfterAllowTestTraffic";

    /// <summary>
    /// CodeDeploy fails a lifecycle hook whose status nobody reports within one hour
    /// (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#reference-appspec-file-structure-hooks-list-ecs).
    /// </summary>
    public const int HookLimitMinutes = 60;

    /// <summary>Minutes the integration-test build runs beyond the longest test timeout: reading parameters, starting the task, stopping it, printing logs.</summary>
    public const int IntegrationTestMarginMinutes = 15;

    /// <summary>The awslogs stream prefix of the service's container (written in taskdef.json, read by the traffic gate).</summary>
    public const string LogStreamPrefix = "app";

    /// <summary>
    /// The Lambda runtime of Slipway's Node.js handlers: Node.js 22 (aws-cdk-lib 2.160 has no
    /// constant for it yet). It ships the AWS SDK v3 the handlers use.
    /// </summary>
    public static readonly LambdaRuntime NodeRuntime = new("nodejs22.x", RuntimeFamily.NODEJS);
}
