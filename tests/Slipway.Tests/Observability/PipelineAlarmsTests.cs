using System.Text.Json.Nodes;
using Amazon.CDK.AWS.CloudWatch;
using Slipway.Observability;
using Slipway.Tests.Observability.Support;

namespace Slipway.Tests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class PipelineAlarmsTests(ObservabilityScenario s)
{
    private PipelineAlarms Orders => s.Orders.Pipeline.Observability.Alarms;
    private PipelineAlarms Payments => s.Payments.Pipeline.Observability.Alarms;

    [Fact]
    public void Every_alarm_notifies_the_pipeline_topic_and_ignores_missing_data()
    {
        var topicId = ObservabilityScenario.LogicalId(s.Orders.Pipeline.Observability.Notifications.Topic);

        Assert.Equal(4, Orders.All.Count);
        Assert.All(Orders.All, alarm =>
        {
            var p = s.Properties(alarm);
            Assert.Equal(topicId, Assert.Single(p["AlarmActions"]!.AsArray())!["Ref"]!.GetValue<string>());
            Assert.Equal("notBreaching", p["TreatMissingData"]!.GetValue<string>());
            Assert.Equal("GreaterThanOrEqualToThreshold", p["ComparisonOperator"]!.GetValue<string>());
            Assert.Equal(1, p["Threshold"]!.GetValue<int>());
            Assert.Equal(1, p["EvaluationPeriods"]!.GetValue<int>());
        });
    }

    [Fact]
    public void Pipeline_failure_alarm_counts_failed_executions_in_five_minutes()
    {
        var p = s.Properties(Orders.PipelineFailed);

        Assert.Equal("orders-pipeline-failed-dev", p["AlarmName"]!.GetValue<string>());
        AssertMetric(p, DeliveryMetrics.PipelineExecutionFailed, "Pipeline=orders-pipeline-dev");
    }

    [Fact]
    public void Each_environment_has_a_failed_or_rolled_back_deployment_alarm()
    {
        Assert.Equal(new[] { "staging", "prod" }, Orders.DeploymentFailed.Keys);
        foreach (var (environment, alarm) in Orders.DeploymentFailed)
        {
            var p = s.Properties(alarm);
            Assert.Equal($"orders-{environment}-deployment-failed-dev", p["AlarmName"]!.GetValue<string>());
            var metrics = p["Metrics"]!.AsArray().Select(m => m!.AsObject()).ToList();
            var expression = Assert.Single(metrics, m => m["Expression"] is not null);
            Assert.Equal("FILL(failed, 0) + FILL(rolledBack, 0)", expression["Expression"]!.GetValue<string>());
            var inputs = metrics.Where(m => m["MetricStat"] is not null).ToDictionary(m => m["Id"]!.GetValue<string>(), m => m["MetricStat"]!.AsObject());
            Assert.Equal(new[] { "failed", "rolledBack" }, inputs.Keys.Order());
            Assert.Equal(DeliveryMetrics.DeploymentFailed, inputs["failed"]["Metric"]!["MetricName"]!.GetValue<string>());
            Assert.Equal(DeliveryMetrics.DeploymentRolledBack, inputs["rolledBack"]["Metric"]!["MetricName"]!.GetValue<string>());
            Assert.All(inputs.Values, stat =>
            {
                Assert.Equal(DeliveryMetrics.Namespace, stat["Metric"]!["Namespace"]!.GetValue<string>());
                Assert.Equal($"Environment={environment},Pipeline=orders-pipeline-dev", Dimensions(stat["Metric"]!["Dimensions"]!));
                Assert.Equal("Sum", stat["Stat"]!.GetValue<string>());
                Assert.Equal(300, stat["Period"]!.GetValue<int>());
            });
        }
    }

    [Fact]
    public void Successful_production_deployment_raises_an_informational_alarm()
    {
        var p = s.Properties(Orders.ProductionDeploymentSucceeded);

        Assert.Equal("orders-prod-deployment-succeeded-dev", p["AlarmName"]!.GetValue<string>());
        Assert.StartsWith("Information, not a problem", p["AlarmDescription"]!.GetValue<string>());
        AssertMetric(p, DeliveryMetrics.DeploymentSucceeded, "Environment=prod,Pipeline=orders-pipeline-dev");
    }

    [Fact]
    public void Without_a_marked_production_environment_the_last_one_is_production()
    {
        AssertMetric(s.Properties(Payments.ProductionDeploymentSucceeded), DeliveryMetrics.DeploymentSucceeded, "Environment=live,Pipeline=payments-pipeline-dev");
    }

    [Fact]
    public void Alarms_watch_metrics_the_handler_really_emits_with_their_dimensions()
    {
        foreach (var alarm in Orders.All.Concat(Payments.All))
        {
            var p = s.Properties(alarm);
            var metrics = p["Metrics"] is JsonArray list
                ? list.Where(m => m!["MetricStat"] is not null).Select(m => m!["MetricStat"]!["Metric"]!.AsObject())
                : new[] { p };
            foreach (var metric in metrics)
            {
                var emitted = HandlerMetrics.All[metric["MetricName"]!.GetValue<string>()];
                Assert.Equal(emitted.Namespace, metric["Namespace"]!.GetValue<string>());
                Assert.Equal(emitted.Dimensions, metric["Dimensions"]!.AsArray().Select(d => d!["Name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            }
        }
    }

    private static void AssertMetric(JsonObject alarm, string metricName, string dimensions)
    {
        Assert.Equal(DeliveryMetrics.Namespace, alarm["Namespace"]!.GetValue<string>());
        Assert.Equal(metricName, alarm["MetricName"]!.GetValue<string>());
        Assert.Equal(dimensions, Dimensions(alarm["Dimensions"]!));
        Assert.Equal("Sum", alarm["Statistic"]!.GetValue<string>());
        Assert.Equal(300, alarm["Period"]!.GetValue<int>());
    }

    private static string Dimensions(JsonNode dimensions) =>
        string.Join(",", dimensions.AsArray().Select(d => $"{d!["Name"]}={d["Value"]}").Order(StringComparer.Ordinal));
}
