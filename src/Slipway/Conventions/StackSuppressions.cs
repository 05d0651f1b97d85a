using Amazon.CDK;

namespace Slipway.Conventions;

/// <summary>Stack-level cdk-nag suppressions for the singleton providers CDK itself adds.</summary>
internal static class StackSuppressions
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

    /// <summary>
    /// The NIST 800-53 findings on the same CDK providers: their functions and roles are CDK's
    /// (code, inline role policy, runtime), CloudFormation invokes them synchronously during stack
    /// operations and reports their failures itself, and they exist only for the destroyable
    /// stacks the teams require. Suppressed on those resources only, never for the stack.
    /// </summary>
    public static void ForCdkProvidersNist(Stack stack)
    {
        foreach (var resource in stack.Node.FindAll().OfType<CfnResource>().Where(IsCdkProvider))
        {
            switch (resource.CfnResourceType)
            {
                case "AWS::Lambda::Function":
                    NagSuppressions.OnResource(resource, "NIST.800.53.R5-LambdaDLQ",
                        "A CDK custom-resource provider: CloudFormation invokes it synchronously and fails the stack operation on error; there is no asynchronous event to dead-letter.");
                    NagSuppressions.OnResource(resource, "NIST.800.53.R5-LambdaConcurrency",
                        "A CDK custom-resource provider that runs only during stack operations; new accounts have a concurrency quota of 10, which reserving concurrency would exhaust.");
                    NagSuppressions.OnResource(resource, "NIST.800.53.R5-LambdaInsideVPC",
                        "A CDK custom-resource provider that calls only S3, ECR or EC2 APIs during stack operations; CDK offers no VPC placement for it.");
                    break;
                case "AWS::IAM::Role":
                    NagSuppressions.OnResource(resource, "NIST.800.53.R5-IAMNoInlinePolicy",
                        "The role of a CDK custom-resource provider: CDK writes its policy inline and offers no managed-policy form.");
                    break;
            }
        }
    }

    private static bool IsCdkProvider(CfnResource resource)
    {
        var path = resource.Node.Path;
        return path.Contains("CustomResourceProvider", StringComparison.Ordinal) || path.Contains("/BucketNotificationsHandler", StringComparison.Ordinal);
    }
}
