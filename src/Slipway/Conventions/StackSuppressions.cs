using Amazon.CDK;

namespace Slipway.Conventions;

/// <summary>Stack-level cdk-nag suppressions for the singleton providers CDK itself adds.</summary>
public static class StackSuppressions
{
    /// <summary>
    /// CDK's custom resource providers (bucket auto-delete, ECR empty-on-delete, the VPC's
    /// default security group restriction) are singleton
    /// Lambda functions whose code, runtime and role CDK owns; they exist only so that stacks are
    /// destroyable. Their findings are suppressed for the stack with the specific rule ids only.
    /// </summary>
    public static void ForCdkProviders(Stack stack)
    {
        NagSuppressions.OnStack(stack, "AwsSolutions-IAM4",
            "CDK's own custom resource providers (empty buckets on delete, restrict the VPC default security group) run with AWSLambdaBasicExecutionRole, which CDK sets and users cannot change.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
    }
}
