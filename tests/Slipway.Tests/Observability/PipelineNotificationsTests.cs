using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.CDK.AWS.Events;
using Slipway.Observability;
using Slipway.Tests.Observability.Support;

namespace Slipway.Tests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class PipelineNotificationsTests(ObservabilityScenario s)
{
    private PipelineNotifications Orders => s.Orders.Pipeline.Observability.Notifications;
    private PipelineNotifications Payments => s.Payments.Pipeline.Observability.Notifications;

    private Rule OrdersRule(string name) => name switch
    {
        "Execution" => Orders.ExecutionRule,
        "StageFailure" => Orders.StageFailureRule,
        "Approval" => Orders.ApprovalRule,
        "Failure" => Orders.FailureRule!,
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string, string[], string[]> RuleSamples => new()
    {
        {
            "Execution",
            new[] { "success-07-pipeline-succeeded", "failure-04-pipeline-failed", "superseded-01-pipeline-superseded", "restore-04-pipeline-succeeded", "legacy-02-pipeline-succeeded" },
            new[] { "success-01-pipeline-started", "notify-01-stage-prod-deploy-failed", "failure-03-action-prod-deploy-failed", "unknown-01-pipeline-started" }
        },
        {
            "StageFailure",
            new[] { "notify-01-stage-prod-deploy-failed" },
            new[] { "failure-04-pipeline-failed", "failure-03-action-prod-deploy-failed" }
        },
        {
            "Approval",
            new[] { "notify-02-action-approval-started" },
            new[] { "success-03-action-dev-deploy-started", "success-02-action-build-succeeded", "success-01-pipeline-started" }
        },
        {
            "Failure",
            new[] { "failure-04-pipeline-failed", "notify-01-stage-prod-deploy-failed" },
            new[] { "success-07-pipeline-succeeded", "superseded-01-pipeline-superseded", "failure-03-action-prod-deploy-failed", "notify-02-action-approval-started" }
        },
    };

    [Fact]
    public void Topic_is_named_by_convention_and_encrypted_with_the_pipeline_topic_key()
    {
        var topic = s.Properties(Orders.Topic);

        Assert.Equal("orders-notifications-dev", topic["TopicName"]!.GetValue<string>());
        Assert.Equal(ObservabilityScenario.LogicalId(s.Orders.Pipeline.Pipeline.TopicKey), topic["KmsMasterKeyId"]!["Fn::GetAtt"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Topic_policy_denies_publishing_without_TLS()
    {
        var deny = s.TopicPolicyStatements(Orders.Topic)
            .Single(st => st["Effect"]!.GetValue<string>() == "Deny");

        Assert.Equal("*", deny["Principal"]!.GetValue<string>());
        Assert.Equal("sns:Publish", deny["Action"]!.GetValue<string>());
        Assert.Equal("false", deny["Condition"]!["Bool"]!["aws:SecureTransport"]!.GetValue<string>());
    }

    [Fact]
    public void Notification_emails_are_subscribed_and_nothing_else()
    {
        var topicId = ObservabilityScenario.LogicalId(Orders.Topic);
        var subscriptions = s.Resources(s.Orders.Pipeline, "AWS::SNS::Subscription")
            .Select(r => r.Resource["Properties"]!.AsObject())
            .Where(p => p["TopicArn"]!["Ref"]?.GetValue<string>() == topicId)
            .ToList();

        Assert.All(subscriptions, p => Assert.Equal("email", p["Protocol"]!.GetValue<string>()));
        Assert.Equal(new[] { "oncall@example.com", "team@example.com" }, subscriptions.Select(p => p["Endpoint"]!.GetValue<string>()).Order());
    }

    [Fact]
    public void Topic_without_emails_has_no_subscriptions()
    {
        var topicId = ObservabilityScenario.LogicalId(Payments.Topic);

        Assert.DoesNotContain(s.Resources(s.Payments.Pipeline, "AWS::SNS::Subscription"),
            r => r.Resource["Properties"]!["TopicArn"]!["Ref"]?.GetValue<string>() == topicId);
    }

    [Fact]
    public void Topic_key_lets_EventBridge_and_CloudWatch_encrypt_for_the_notification_topic_only()
    {
        var statements = s.Properties(s.Orders.Pipeline.Pipeline.TopicKey)["KeyPolicy"]!["Statement"]!.AsArray().Select(x => x!.AsObject()).ToList();
        var text = s.Text(s.Orders.Pipeline);

        foreach (var service in new[] { "events.amazonaws.com", "cloudwatch.amazonaws.com" })
        {
            var statement = statements.Single(st => ObservabilityScenario.ServicePrincipal(st) == service);
            Assert.Equal("Allow", statement["Effect"]!.GetValue<string>());
            Assert.Equal(new[] { "kms:GenerateDataKey*", "kms:Decrypt" }, statement["Action"]!.AsArray().Select(a => a!.GetValue<string>()));
            Assert.Equal("arn:aws:sns:eu-west-1:111111111111:orders-notifications-dev",
                text.Render(statement["Condition"]!["StringEquals"]!["kms:EncryptionContext:aws:sns:topicArn"]));
        }
    }

    [Fact]
    public void Topic_policy_lets_EventBridge_publish_only_for_this_pipelines_notification_rules()
    {
        var events = s.TopicPolicyStatements(Orders.Topic).Where(st => ObservabilityScenario.ServicePrincipal(st) == "events.amazonaws.com").ToList();

        // One statement only: an unconditioned one (CDK's SnsTopic target) would admit any account's rules.
        var statement = Assert.Single(events);
        Assert.Equal("Allow", statement["Effect"]!.GetValue<string>());
        Assert.Equal("sns:Publish", statement["Action"]!.GetValue<string>());
        Assert.Equal(ObservabilityScenario.LogicalId(Orders.Topic), statement["Resource"]!["Ref"]!.GetValue<string>());
        Assert.Equal("111111111111", statement["Condition"]!["StringEquals"]!["aws:SourceAccount"]!.GetValue<string>());
        var sourceArns = statement["Condition"]!["ArnEquals"]!["aws:SourceArn"]!.AsArray()
            .Select(a => a!["Fn::GetAtt"]!.AsArray()).ToList();
        Assert.All(sourceArns, a => Assert.Equal("Arn", a[1]!.GetValue<string>()));
        // Exactly the rules that target this topic.
        var topicId = ObservabilityScenario.LogicalId(Orders.Topic);
        var targeting = s.Resources(s.Orders.Pipeline, "AWS::Events::Rule")
            .Where(r => r.Resource["Properties"]!["Targets"]!.AsArray().Any(t => (t!["Arn"] as JsonObject)?["Ref"]?.GetValue<string>() == topicId))
            .Select(r => r.LogicalId).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, targeting.Count);
        Assert.Equal(targeting, sourceArns.Select(a => a[0]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Topic_policy_lets_only_this_services_alarms_publish()
    {
        var statements = s.TopicPolicyStatements(Orders.Topic);
        var text = s.Text(s.Orders.Pipeline);

        var alarms = statements.Single(st => ObservabilityScenario.ServicePrincipal(st) == "cloudwatch.amazonaws.com");
        Assert.Equal("111111111111", alarms["Condition"]!["StringEquals"]!["aws:SourceAccount"]!.GetValue<string>());
        var pattern = text.Render(alarms["Condition"]!["ArnLike"]!["aws:SourceArn"]);
        Assert.Equal("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:orders-*-dev", pattern);

        // Every alarm that notifies this topic is admitted by the pattern.
        var like = new Regex("^" + Regex.Escape(pattern).Replace(@"\*", ".*") + "$");
        var alarmNames = s.Orders.Pipeline.Observability.Alarms.All.Select(a => s.Properties(a)["AlarmName"]!.GetValue<string>()).ToList();
        Assert.NotEmpty(alarmNames);
        Assert.All(alarmNames, name => Assert.Matches(like, $"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:{name}"));
    }

    [Theory]
    [MemberData(nameof(RuleSamples))]
    public void Rule_pattern_matches_the_recorded_events_it_is_for_and_no_others(string rule, string[] matching, string[] notMatching)
    {
        var pattern = EventRules.Pattern(s, OrdersRule(rule));

        Assert.All(matching, name => Assert.True(EventPatternMatcher.Matches(pattern, RecordedEvents.LoadFor(name, ObservabilityScenario.OrdersPipelineName)), $"{rule} should match {name}"));
        Assert.All(notMatching, name => Assert.False(EventPatternMatcher.Matches(pattern, RecordedEvents.LoadFor(name, ObservabilityScenario.OrdersPipelineName)), $"{rule} should not match {name}"));
    }

    [Theory]
    [MemberData(nameof(RuleSamples))]
    public void Rule_message_uses_only_fields_its_events_carry(string rule, string[] matching, string[] notMatching)
    {
        _ = notMatching;
        var target = Assert.Single(EventRules.Targets(s, OrdersRule(rule)));
        var transformer = target["InputTransformer"]!.AsObject();
        var keys = transformer["InputPathsMap"]!.AsObject().Select(p => p.Key).ToHashSet();

        Assert.All(Regex.Matches(transformer["InputTemplate"]!.GetValue<string>(), "<([^<>]+)>"), m => Assert.Contains(m.Groups[1].Value, keys));
        foreach (var name in matching)
        {
            var evt = RecordedEvents.LoadFor(name, ObservabilityScenario.OrdersPipelineName);
            Assert.All(transformer["InputPathsMap"]!.AsObject(), p => Assert.NotNull(EventPatternMatcher.Select(evt, p.Value!.GetValue<string>())));
        }
    }

    [Fact]
    public void Rules_listen_to_this_pipeline_only()
    {
        foreach (var rule in new[] { Orders.ExecutionRule, Orders.StageFailureRule, Orders.ApprovalRule, Orders.FailureRule! })
        {
            var pattern = EventRules.Pattern(s, rule);
            Assert.Equal(new[] { "aws.codepipeline" }, pattern["source"]!.AsArray().Select(x => x!.GetValue<string>()));
            Assert.Equal("arn:aws:codepipeline:eu-west-1:111111111111:orders-pipeline-dev", Assert.Single(pattern["resources"]!.AsArray())!.GetValue<string>());
            // The same events from another pipeline (here, as recorded) are not ours.
            Assert.False(EventPatternMatcher.Matches(pattern, RecordedEvents.Load("failure-04-pipeline-failed")));
        }
    }

    [Fact]
    public void Failed_execution_message_is_a_sentence_with_a_link_to_the_execution()
    {
        var target = Assert.Single(EventRules.Targets(s, Orders.ExecutionRule));

        var message = EventRules.Transform(target["InputTransformer"]!.AsObject(),
            RecordedEvents.LoadFor("failure-04-pipeline-failed", ObservabilityScenario.OrdersPipelineName));

        Assert.Equal(ObservabilityScenario.LogicalId(Orders.Topic), target["Arn"]!["Ref"]!.GetValue<string>());
        Assert.Equal(
            "CodePipeline orders-pipeline-dev: execution 7c9d2e10-1b2a-4c3d-8e4f-5a6b7c8d9e02 FAILED. Timeline: " +
            "https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/orders-pipeline-dev/executions/7c9d2e10-1b2a-4c3d-8e4f-5a6b7c8d9e02/timeline?region=eu-west-1",
            message);
    }

    [Fact]
    public void Failed_stage_message_names_the_stage()
    {
        var target = Assert.Single(EventRules.Targets(s, Orders.StageFailureRule));

        var message = EventRules.Transform(target["InputTransformer"]!.AsObject(),
            RecordedEvents.LoadFor("notify-01-stage-prod-deploy-failed", ObservabilityScenario.OrdersPipelineName));

        Assert.StartsWith("CodePipeline orders-pipeline-dev: stage DeployProd FAILED in execution 7c9d2e10-1b2a-4c3d-8e4f-5a6b7c8d9e02. Timeline: https://eu-west-1.console.aws.amazon.com/", message);
    }

    [Fact]
    public void Waiting_approval_message_names_the_action_and_stage()
    {
        var target = Assert.Single(EventRules.Targets(s, Orders.ApprovalRule));

        var message = EventRules.Transform(target["InputTransformer"]!.AsObject(),
            RecordedEvents.LoadFor("notify-02-action-approval-started", ObservabilityScenario.OrdersPipelineName));

        Assert.StartsWith("CodePipeline orders-pipeline-dev: approval Approve in stage ApproveProd is waiting for a decision (execution 3f2b1c9e-8a41-4d0e-9b6a-0c1d2e3f4a01). Review it: https://", message);
        Assert.EndsWith("/executions/3f2b1c9e-8a41-4d0e-9b6a-0c1d2e3f4a01/timeline?region=eu-west-1", message);
    }

    [Fact]
    public void Failures_also_go_to_the_failure_topic()
    {
        var target = Assert.Single(EventRules.Targets(s, Orders.FailureRule!));

        Assert.Equal(ObservabilityScenario.FailureTopicArn, target["Arn"]!.GetValue<string>());
        var message = EventRules.Transform(target["InputTransformer"]!.AsObject(),
            RecordedEvents.LoadFor("notify-01-stage-prod-deploy-failed", ObservabilityScenario.OrdersPipelineName));
        Assert.StartsWith("CodePipeline orders-pipeline-dev FAILED (CodePipeline Stage Execution State Change), execution 7c9d2e10-1b2a-4c3d-8e4f-5a6b7c8d9e02.", message);
    }

    [Fact]
    public void No_failure_rule_without_a_failure_topic()
    {
        Assert.Null(Payments.FailureRule);
        var topicId = ObservabilityScenario.LogicalId(Payments.Topic);
        var notificationRules = s.Resources(s.Payments.Pipeline, "AWS::Events::Rule")
            .Where(r => r.Resource["Properties"]!["Targets"]!.AsArray().Any(t => t!["Arn"]!["Ref"]?.GetValue<string>() == topicId))
            .ToList();
        Assert.Equal(3, notificationRules.Count);
    }
}
