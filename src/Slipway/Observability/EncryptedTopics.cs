using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Slipway.Conventions;

namespace Slipway.Observability;

/// <summary>
/// Policies that let AWS services deliver to KMS-encrypted, TLS-only SNS topics: the topic policy
/// says who may publish, the key policy lets those services encrypt the message for this topic.
/// </summary>
/// <remarks>
/// https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
/// </remarks>
internal static class EncryptedTopics
{
    /// <summary>
    /// A topic's ARN built from its name. The key policy must name the topic without a Ref to it:
    /// the topic refers to the key (KmsMasterKeyId), so a Ref back would be a circular dependency.
    /// </summary>
    public static string Arn(Stack stack, string topicName) =>
        stack.FormatArn(new ArnComponents { Service = "sns", Resource = topicName, ArnFormat = ArnFormat.NO_RESOURCE_NAME });

    /// <summary>
    /// Lets <paramref name="servicePrincipal"/> use <paramref name="key"/> to publish to the topic
    /// <paramref name="topicArn"/>, and to no other topic or purpose.
    /// </summary>
    /// <remarks>
    /// The condition is the encryption context SNS puts on every data key it asks for
    /// (<c>aws:sns:topicArn</c>). <c>aws:SourceArn</c>/<c>aws:SourceAccount</c> are not used here:
    /// SNS makes this KMS call on the publisher's behalf and AWS documents that EventBridge deliveries
    /// do not carry those keys, so a condition on them would silently drop every notification.
    /// Who may publish at all is restricted by the topic policy instead (for EventBridge: the
    /// rules' ARNs in <c>aws:SourceArn</c>, see <see cref="PipelineNotifications"/>), which SNS
    /// evaluates before it asks KMS for a data key.
    /// </remarks>
    public static void AllowServiceToEncryptFor(IKey key, string sid, string servicePrincipal, string topicArn) =>
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = sid,
            Principals = new IPrincipal[] { new ServicePrincipal(servicePrincipal) },
            Actions = new[] { "kms:GenerateDataKey*", "kms:Decrypt" },
            Resources = new[] { "*" },
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["kms:EncryptionContext:aws:sns:topicArn"] = topicArn },
            },
        }));

    /// <summary>
    /// Lets this account's CloudWatch alarms named like the service's resources publish to
    /// <paramref name="topic"/> (the topic policy CDK writes for a TLS-only topic replaces SNS's
    /// default policy), and encrypt for it with <paramref name="key"/>.
    /// </summary>
    /// <remarks>
    /// https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger (topic policy with
    /// aws:SourceArn) and https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns (key policy).
    /// </remarks>
    public static void AllowAlarms(Topic topic, IKey key, string topicArn, ResourceNames names)
    {
        var stack = Stack.Of(topic);
        topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowCloudWatchAlarms",
            Principals = new IPrincipal[] { new ServicePrincipal("cloudwatch.amazonaws.com") },
            Actions = new[] { "sns:Publish" },
            Resources = new[] { topic.TopicArn },
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
                // Every alarm Slipway names for this service (and environment) matches: {prefix}-*-{suffix}.
                ["ArnLike"] = new Dictionary<string, object>
                {
                    ["aws:SourceArn"] = stack.FormatArn(new ArnComponents
                    {
                        Service = "cloudwatch", Resource = "alarm", ResourceName = names.Name("*"), ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
                    }),
                },
            },
        }));
        AllowServiceToEncryptFor(key, "AllowCloudWatchAlarms", "cloudwatch.amazonaws.com", topicArn);
    }
}
