using Amazon.CDK;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.JSII.Runtime.Deputy;
using Constructs;
using Slipway.Conventions;

namespace Slipway.Observability;

/// <summary>Props of <see cref="PipelineNotifications"/>.</summary>
public sealed class PipelineNotificationsProps
{
    /// <summary>The pipeline whose state changes are announced.</summary>
    public required IPipeline Pipeline { get; init; }

    /// <summary>Names of the service (no environment): the topic is named from them.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>The key that encrypts the topic; EventBridge and CloudWatch alarms are allowed to encrypt for this topic only.</summary>
    public required IKey TopicKey { get; init; }

    /// <summary>Addresses emailed every notification.</summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyList<string> Emails { get; init; } = Array.Empty<string>();

    /// <summary>An existing SNS topic (same account and region) that also receives failures.</summary>
    /// <remarks>Default: none.</remarks>
    public string? FailureTopicArn { get; init; }

    /// <summary>The alarm-rollback switch project, which announces hotfix executions on the topic.</summary>
    /// <remarks>Default: none; no hotfix announcements.</remarks>
    public IProject? AlarmRollbackProject { get; init; }
}

/// <summary>
/// The pipeline's notifications: an SNS topic (encrypted with the pipeline's topic key, TLS only,
/// emailed to <see cref="PipelineNotificationsProps.Emails"/>) and EventBridge rules that turn
/// CodePipeline events into one readable sentence with a link to the execution: the execution
/// failed, succeeded or was superseded; a stage failed; an approval is waiting. When
/// <see cref="PipelineNotificationsProps.FailureTopicArn"/> is set, failures also go to that topic.
/// </summary>
/// <remarks>
/// Event shapes: https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html
/// (recorded samples in tests/Slipway.Tests/Observability/DeliveryMetrics/events).
/// </remarks>
public sealed class PipelineNotifications : Construct
{
    /// <summary>The EventBridge detail-type of pipeline execution events.</summary>
    public const string PipelineExecutionEvent = "CodePipeline Pipeline Execution State Change";

    /// <summary>The EventBridge detail-type of stage execution events.</summary>
    public const string StageExecutionEvent = "CodePipeline Stage Execution State Change";

    /// <summary>The EventBridge detail-type of action execution events.</summary>
    public const string ActionExecutionEvent = "CodePipeline Action Execution State Change";

    /// <summary>The topic every notification goes to.</summary>
    public Topic Topic { get; }

    /// <summary>Execution failed, succeeded or superseded.</summary>
    public Rule ExecutionRule { get; }

    /// <summary>A stage failed.</summary>
    public Rule StageFailureRule { get; }

    /// <summary>A manual approval started: someone has to decide.</summary>
    public Rule ApprovalRule { get; }

    /// <summary>Failures for <see cref="PipelineNotificationsProps.FailureTopicArn"/> (null when it is not set).</summary>
    public Rule? FailureRule { get; }

    /// <summary>Creates the topic and rules.</summary>
    public PipelineNotifications(Construct scope, string id, PipelineNotificationsProps props) : base(scope, id)
    {
        var stack = Stack.Of(this);
        var names = props.Names;
        var service = names.Service;

        var topicName = ResourceNames.Claim(this, "SNS topic", names.Name("notifications", 256));
        Topic = new Topic(this, "Topic", new TopicProps
        {
            TopicName = topicName,
            DisplayName = $"{service} pipeline",
            MasterKey = props.TopicKey,
            EnforceSSL = true,
        });
        foreach (var email in props.Emails)
        {
            Topic.AddSubscription(new EmailSubscription(email));
        }
        // EventBridge (the rules below) and CloudWatch (the pipeline alarms) publish here, and
        // encrypt what they publish with the topic's key.
        var topicArn = EncryptedTopics.Arn(stack, topicName);
        EncryptedTopics.AllowServiceToEncryptFor(props.TopicKey, "AllowEventBridgeNotifications", "events.amazonaws.com", topicArn);
        EncryptedTopics.AllowAlarms(Topic, props.TopicKey, topicArn, names);

        if (props.AlarmRollbackProject is { } alarmRollback)
        {
            AnnounceHotfixes(alarmRollback, props.TopicKey, topicArn);
        }

        var pipelineArn = props.Pipeline.PipelineArn;
        var pipelineName = EventField.FromPath("$.detail.pipeline");
        var executionId = EventField.FromPath("$.detail.execution-id");
        var state = EventField.FromPath("$.detail.state");
        var stage = EventField.FromPath("$.detail.stage");
        var timeline = ExecutionLink(pipelineName, executionId);

        ExecutionRule = NotifyRule("ExecutionRule",
            $"Announces {service} pipeline executions that failed, succeeded or were superseded.",
            Pattern(pipelineArn, PipelineExecutionEvent, new Dictionary<string, object> { ["state"] = new[] { "FAILED", "SUCCEEDED", "SUPERSEDED" } }),
            $"CodePipeline {pipelineName}: execution {executionId} {state}. Timeline: {timeline}",
            Topic);

        StageFailureRule = NotifyRule("StageFailureRule",
            $"Announces failed stages of the {service} pipeline.",
            Pattern(pipelineArn, StageExecutionEvent, new Dictionary<string, object> { ["state"] = new[] { "FAILED" } }),
            $"CodePipeline {pipelineName}: stage {stage} FAILED in execution {executionId}. Timeline: {timeline}",
            Topic);

        ApprovalRule = NotifyRule("ApprovalRule",
            $"Announces manual approvals of the {service} pipeline that wait for a decision.",
            Pattern(pipelineArn, ActionExecutionEvent, new Dictionary<string, object>
            {
                ["state"] = new[] { "STARTED" },
                ["type"] = new Dictionary<string, object> { ["category"] = new[] { "Approval" } },
            }),
            $"CodePipeline {pipelineName}: approval {EventField.FromPath("$.detail.action")} in stage {stage} is waiting for a decision " +
            $"(execution {executionId}). Review it: {timeline}",
            Topic);

        if (props.FailureTopicArn is { } failureTopicArn)
        {
            // An imported topic: its own policy must let events.amazonaws.com publish (and its key,
            // if encrypted, let EventBridge use it); CDK cannot change either.
            var failureTopic = Amazon.CDK.AWS.SNS.Topic.FromTopicArn(this, "FailureTopic", failureTopicArn);
            // One rule for both event types, so the message only uses fields both carry.
            FailureRule = NotifyRule("FailureRule",
                $"Sends {service} pipeline and stage failures to the failure topic.",
                new EventPattern
                {
                    Source = new[] { "aws.codepipeline" },
                    DetailType = new[] { PipelineExecutionEvent, StageExecutionEvent },
                    Resources = new[] { pipelineArn },
                    Detail = new Dictionary<string, object> { ["state"] = new[] { "FAILED" } },
                },
                $"CodePipeline {pipelineName} FAILED ({EventField.FromPath("$.detail-type")}), execution {executionId}. Timeline: {timeline}",
                failureTopic);
        }

        // EventBridge may publish here only for this pipeline's own rules. CDK's SnsTopic target
        // would admit events.amazonaws.com from any account and rule; a rule's ARN names its
        // account, so aws:SourceArn scopes both (the condition the EventBridge guide shows for SNS
        // targets: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
        Topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowPipelineEventRules",
            Principals = new IPrincipal[] { new ServicePrincipal("events.amazonaws.com") },
            Actions = new[] { "sns:Publish" },
            Resources = new[] { Topic.TopicArn },
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
                ["ArnEquals"] = new Dictionary<string, object>
                {
                    ["aws:SourceArn"] = new[] { ExecutionRule.RuleArn, StageFailureRule.RuleArn, ApprovalRule.RuleArn },
                },
            },
        }));
    }

    // No CodePipeline event carries a pipeline variable, so the alarm-rollback switch announces an
    // execution started with ROLLBACK_ON_ALARMS=false itself, on this topic ("HOTFIX: <env>
    // deploys without alarm rollback", with the execution's link): TOPIC_ARN on its project, and
    // publish with the topic key (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
    private void AnnounceHotfixes(IProject project, IKey topicKey, string topicArn)
    {
        if (project.Node.DefaultChild is not CfnProject cfn)
        {
            throw new SlipwayValidationException(new[]
            {
                $"{nameof(PipelineNotificationsProps)}.{nameof(PipelineNotificationsProps.AlarmRollbackProject)}: {project.Node.Path} is an imported project, " +
                "but the hotfix announcement sets TOPIC_ARN on the project's environment, which only a project defined in this app can take. " +
                "Pass BuildProjects.AlarmRollback, or leave AlarmRollbackProject unset.",
            });
        }
        cfn.AddPropertyOverride("Environment.EnvironmentVariables", new object[]
        {
            new Dictionary<string, object> { ["Name"] = "TOPIC_ARN", ["Type"] = "PLAINTEXT", ["Value"] = topicArn },
        });
        Topic.GrantPublish(project);
        topicKey.Grant(project, "kms:Decrypt", "kms:GenerateDataKey*");
    }

    /// <summary>
    /// The console page of one execution. The region comes from the event, so the link is right
    /// wherever the rule runs.
    /// </summary>
    private static string ExecutionLink(string pipelineName, string executionId)
    {
        var region = EventField.FromPath("$.region");
        return $"https://{region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/{pipelineName}/executions/{executionId}/timeline?region={region}";
    }

    private static EventPattern Pattern(string pipelineArn, string detailType, Dictionary<string, object> detail) => new()
    {
        Source = new[] { "aws.codepipeline" },
        DetailType = new[] { detailType },
        // Only this pipeline's events: CodePipeline puts the pipeline ARN in `resources`.
        Resources = new[] { pipelineArn },
        Detail = detail,
    };

    private Rule NotifyRule(string id, string description, EventPattern pattern, string message, ITopic topic) =>
        new(this, id, new RuleProps
        {
            Description = description,
            EventPattern = pattern,
            Targets = new IRuleTarget[] { new TopicTarget(topic, RuleTargetInput.FromText(message)) },
        });

    /// <summary>
    /// An SNS topic as a rule target, without the grant CDK's <c>SnsTopic</c> target adds (publish
    /// for events.amazonaws.com on behalf of any rule in any account): the topic policy above
    /// admits this pipeline's rules only. An imported topic's own policy decides for itself.
    /// </summary>
    private sealed class TopicTarget : DeputyBase, IRuleTarget
    {
        private readonly ITopic _topic;
        private readonly RuleTargetInput _input;

        public TopicTarget(ITopic topic, RuleTargetInput input)
        {
            _topic = topic;
            _input = input;
        }

        public IRuleTargetConfig Bind(IRule rule, string? id = null) =>
            new RuleTargetConfig { Arn = _topic.TopicArn, Input = _input };
    }
}
