using Amazon.CDK;
using Slipway.Conventions;
using Slipway.Observability;
using Slipway.Pipeline;
using Slipway.Tests.Observability.Support;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Tests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class PipelineObservabilityTests(ObservabilityScenario s)
{
    [Fact]
    public void Pipeline_stack_holds_notifications_collector_alarms_and_dashboard()
    {
        var observability = s.Orders.Pipeline.Observability;

        Assert.Same(observability, s.Orders.Pipeline.Node.FindChild("Observability"));
        Assert.Equal(
            new[] { "Notifications", "DeliveryMetrics", "Alarms", "Dashboard" },
            observability.Node.Children.Select(c => c.Node.Id));
        Assert.Single(s.Resources(s.Orders.Pipeline, "AWS::CloudWatch::Dashboard"));
        Assert.Single(s.Resources(s.Orders.Pipeline, "AWS::Lambda::Function"), f => f.LogicalId.StartsWith("Observability", StringComparison.Ordinal));
    }

    [Fact]
    public void Alarms_notify_the_notification_topic()
    {
        var observability = s.Orders.Pipeline.Observability;
        var topicId = ObservabilityScenario.LogicalId(observability.Notifications.Topic);

        Assert.All(s.Resources(s.Orders.Pipeline, "AWS::CloudWatch::Alarm"),
            alarm => Assert.Equal(topicId, alarm.Resource["Properties"]!["AlarmActions"]![0]!["Ref"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("arn:aws:sns:us-west-2:111111111111:chatops", "111111111111/us-west-2")]
    [InlineData("arn:aws:sns:us-east-1:444444444444:chatops", "444444444444/us-east-1")]
    public void Rejects_a_failure_topic_in_another_account_or_region_than_the_pipeline(string topicArn, string where)
    {
        var app = new App();
        var definition = new ServiceDefinition
        {
            Name = "orders",
            Source = new GitHubConnectionSource("example-org", "orders-service", Services.ConnectionArn),
            Notifications = new NotificationSettings { ApprovalEmails = new[] { "releases@example.com" }, FailureTopicArn = topicArn },
            Environments = new[] { new Slipway.Model.DeploymentTarget { Name = "prod", Account = Services.Tooling, Region = "us-east-1" } },
        };

        // The composition checks the model in the manifest's terms.
        var error = Assert.Throws<SlipwayValidationException>(() =>
            new Slipway.Stacks.ServicePipelineStack(app, "Pipeline", new Slipway.Stacks.ServicePipelineStackProps { Definition = definition, Suffix = "dev" }));

        Assert.Equal(
            $"service.notifications.failureTopicArn: \"{topicArn}\" is in {where}, but the pipeline's EventBridge rules are in 111111111111/us-east-1, " +
            "and a rule can only send to a topic in its own account and region. Use a topic in 111111111111/us-east-1; other accounts and regions can subscribe to it.",
            error.Message);
    }

    [Fact]
    public void Standalone_rejects_a_failure_topic_in_another_region_by_its_csharp_property()
    {
        var (stack, pipeline) = StandaloneObservability.BareStack();

        var error = Assert.Throws<SlipwayValidationException>(() => new PipelineObservability(stack, "Observability",
            StandaloneObservability.Props(pipeline, failureTopicArn: "arn:aws:sns:us-west-2:111111111111:chatops")));

        Assert.Equal(
            "PipelineObservabilityProps.FailureTopicArn: \"arn:aws:sns:us-west-2:111111111111:chatops\" is in 111111111111/us-west-2, but the pipeline's EventBridge rules are in 111111111111/us-east-1, " +
            "and a rule can only send to a topic in its own account and region. Use a topic in 111111111111/us-east-1; other accounts and regions can subscribe to it.",
            error.Message);
    }
}
