using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Constructs;
using Slipway.Conventions;
using Slipway.Pipeline;

namespace Slipway.Observability;

/// <summary>Props of <see cref="PipelineObservability"/>.</summary>
public sealed class PipelineObservabilityProps
{
    /// <summary>The pipeline observed.</summary>
    public required ServicePipeline Pipeline { get; init; }
}

/// <summary>
/// Notifications, delivery metrics, the pipeline dashboard and alarms of a service pipeline:
/// <see cref="PipelineNotifications"/> (SNS topic and EventBridge rules),
/// <see cref="DeliveryMetricsCollector"/> (the Lambda that turns CodePipeline events into
/// pipeline, deployment and DORA metrics), <see cref="PipelineAlarms"/> (notifying the topic) and
/// <see cref="PipelineDashboard"/>. See docs/observability.md.
/// </summary>
public sealed class PipelineObservability : Construct
{
    /// <summary>The notification topic and rules.</summary>
    public PipelineNotifications Notifications { get; }

    /// <summary>The delivery-metrics collector.</summary>
    public DeliveryMetricsCollector Collector { get; }

    /// <summary>Alarms on the delivery metrics.</summary>
    public PipelineAlarms Alarms { get; }

    /// <summary>The pipeline dashboard.</summary>
    public PipelineDashboard Dashboard { get; }

    /// <summary>Creates the observability resources.</summary>
    public PipelineObservability(Construct scope, string id, PipelineObservabilityProps props) : base(scope, id)
    {
        Validate(props.Pipeline, Stack.Of(this));

        Notifications = new PipelineNotifications(this, "Notifications", new PipelineNotificationsProps { Pipeline = props.Pipeline });
        Collector = new DeliveryMetricsCollector(this, "DeliveryMetrics", new DeliveryMetricsCollectorProps { Pipeline = props.Pipeline });
        Alarms = new PipelineAlarms(this, "Alarms", new PipelineAlarmsProps { Pipeline = props.Pipeline, Topic = Notifications.Topic });
        Dashboard = new PipelineDashboard(this, "Dashboard", new PipelineDashboardProps
        {
            Pipeline = props.Pipeline,
            Alarms = Alarms.All.Cast<IAlarm>().ToArray(),
        });
    }

    private static void Validate(ServicePipeline pipeline, Stack stack)
    {
        var v = new Validator();
        // CDK (2.160) builds no rule that sends to an imported topic of another account, and
        // EventBridge rules only send to topics in their own region.
        if (pipeline.Definition.Notifications.FailureTopicArn is { } arn && !Validator.IsToken(arn)
            && !Token.IsUnresolved(stack.Account) && !Token.IsUnresolved(stack.Region)
            && arn.Split(':') is { Length: 6 } parts && (parts[3] != stack.Region || parts[4] != stack.Account))
        {
            v.Add("service.notifications.failureTopicArn", arn,
                $"is in {parts[4]}/{parts[3]}, but the pipeline's EventBridge rules are in {stack.Account}/{stack.Region}, and a rule can only send to a topic in its own account and region. " +
                $"Use a topic in {stack.Account}/{stack.Region}; other accounts and regions can subscribe to it.");
        }
        v.ThrowIfAny();
    }
}
