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
        var stack = new Stack(app, "Tooling", new StackProps { Env = new Amazon.CDK.Environment { Account = Services.Tooling, Region = "us-east-1" } });
        var pipeline = new ServicePipeline(stack, "Pipeline", new ServicePipelineProps { Definition = definition, Suffix = "dev" });

        var error = Assert.Throws<SlipwayValidationException>(() =>
            new PipelineObservability(stack, "Observability", new PipelineObservabilityProps { Pipeline = pipeline }));

        Assert.Equal(
            $"service.notifications.failureTopicArn: \"{topicArn}\" is in {where}, but the pipeline's EventBridge rules are in 111111111111/us-east-1, " +
            "and a rule can only send to a topic in its own account and region. Use a topic in 111111111111/us-east-1; other accounts and regions can subscribe to it.",
            error.Message);
    }
}
