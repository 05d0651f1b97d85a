using Amazon.CDK.AWS.CodeBuild;
using Slipway.Observability;
using Slipway.Tests.Observability.Support;

namespace Slipway.Tests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class PipelineDashboardTests(ObservabilityScenario s)
{
    private const string Dims = "Pipeline=orders-pipeline-dev";

    private DashboardBody Orders => DashboardBody.From(s.Resource(s.Orders.Pipeline.Observability.Dashboard.Dashboard), s.Text(s.Orders.Pipeline));
    private DashboardBody Payments => DashboardBody.From(s.Resource(s.Payments.Pipeline.Observability.Dashboard.Dashboard), s.Text(s.Payments.Pipeline));

    [Fact]
    public void Dashboard_is_named_by_convention()
    {
        Assert.Equal("orders-pipeline-dev", Orders.Name);
        Assert.Equal("payments-pipeline-dev", Payments.Name);
    }

    [Fact]
    public void Header_links_to_the_pipeline_console_and_the_runtime_dashboards()
    {
        var header = Orders.Widgets[0];

        Assert.Equal("text", header.Type);
        Assert.Contains("(https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/orders-pipeline-dev/view?region=eu-west-1)", header.Markdown);
        Assert.Contains("(https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/orders-pipeline-dev/executions?region=eu-west-1)", header.Markdown);
        Assert.Contains("[staging](https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/orders-staging-runtime-dev)", header.Markdown);
        Assert.Contains("[live](https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/payments-live-runtime-dev) (333333333333)", Payments.Widgets[0].Markdown);
    }

    [Fact]
    public void Pipeline_row_shows_outcomes_success_rate_and_duration()
    {
        var executions = Orders.Widget("Pipeline executions (per hour)");
        Assert.Equal(
            new[] { "PipelineExecutionSucceeded Sum", "PipelineExecutionFailed Sum", "PipelineExecutionStopped Sum" },
            executions.Metrics.Select(m => $"{m.MetricName} {m.Statistic}"));
        Assert.All(executions.Metrics, m => Assert.Equal((DeliveryMetrics.Namespace, Dims), (m.Namespace, m.DimensionText)));

        var rate = Orders.Widget("Pipeline success rate (%, per day)");
        Assert.Equal("100 * FILL(succeeded, 0) / (FILL(succeeded, 0) + FILL(failed, 0))", rate.Metrics[0].Expression);
        AssertInput(rate, "succeeded", DeliveryMetrics.PipelineExecutionSucceeded, "Sum", Dims);
        AssertInput(rate, "failed", DeliveryMetrics.PipelineExecutionFailed, "Sum", Dims);

        var duration = Orders.Widget("Pipeline duration (minutes)");
        Assert.Equal(new[] { "duration / 60000", "p90duration / 60000" }, duration.Metrics.Where(m => m.Expression is not null).Select(m => m.Expression));
        AssertInput(duration, "duration", DeliveryMetrics.PipelineExecutionDuration, "Average", Dims);
        AssertInput(duration, "p90duration", DeliveryMetrics.PipelineExecutionDuration, "p90", Dims);
    }

    [Fact]
    public void Dora_row_shows_frequency_lead_time_change_failure_rate_and_time_to_restore()
    {
        var frequency = Assert.Single(Orders.Widget("DORA: deployment frequency (production deployments per day)").Metrics);
        Assert.Equal((DeliveryMetrics.Namespace, DeliveryMetrics.DeploymentFrequency, "Sum", 86400, Dims),
            (frequency.Namespace, frequency.MetricName, frequency.Statistic, frequency.Period, frequency.DimensionText));

        var lead = Orders.Widget("DORA: lead time for changes (hours)");
        Assert.Equal("leadTime / 3600000", lead.Metrics[0].Expression);
        AssertInput(lead, "leadTime", DeliveryMetrics.LeadTimeForChanges, "Average", Dims, 86400);

        var failureRate = Orders.Widget("DORA: change failure rate (%)");
        Assert.Equal("100 * FILL(changeFailures, 0) / productionDeployments", failureRate.Metrics[0].Expression);
        AssertInput(failureRate, "changeFailures", DeliveryMetrics.ChangeFailure, "Sum", Dims, 86400);
        AssertInput(failureRate, "productionDeployments", DeliveryMetrics.ProductionDeployments, "Sum", Dims, 86400);

        var restore = Orders.Widget("DORA: time to restore (hours)");
        Assert.Equal("restore / 3600000", restore.Metrics[0].Expression);
        AssertInput(restore, "restore", DeliveryMetrics.TimeToRestore, "Average", Dims, 86400);
    }

    [Fact]
    public void Each_environment_has_deployments_rollbacks_and_deployment_duration()
    {
        foreach (var environment in new[] { "staging", "prod" })
        {
            var dims = $"Environment={environment},{Dims}";
            var deployments = Orders.Widget($"Deployments to {environment} (per hour)");
            Assert.Equal(
                new[] { $"DeploymentSucceeded Sum {dims}", $"DeploymentFailed Sum {dims}", $"DeploymentRolledBack Sum {dims}" },
                deployments.Metrics.Select(m => $"{m.MetricName} {m.Statistic} {m.DimensionText}"));

            var duration = Orders.Widget($"Deployment duration in {environment} (minutes)");
            AssertInput(duration, "deployDuration", DeliveryMetrics.DeploymentDuration, "Average", dims);
            AssertInput(duration, "deployMax", DeliveryMetrics.DeploymentDuration, "Maximum", dims);
        }
        Assert.Contains(Payments.Widgets, w => w.Title == "Deployments to live (per hour)");
    }

    [Fact]
    public void Each_build_project_shows_duration_and_outcomes_per_project_name()
    {
        var projects = s.Orders.Pipeline.Pipeline.Projects.All;
        // Compile-less orders: image build, unit tests, static analysis, image scan, promotion tag, alarm-rollback switch
        // (its integration tests run in staging's traffic gate, not in CodeBuild).
        Assert.Equal(6, projects.Count);

        foreach (var project in projects)
        {
            var name = ((CfnProject)project.Node.DefaultChild!).Name!;
            var widget = Orders.Widget($"Build {project.Node.Id}");
            Assert.Equal(
                new[] { "Duration Average", "Duration p90", "SucceededBuilds Sum", "FailedBuilds Sum" },
                widget.Metrics.Select(m => $"{m.MetricName} {m.Statistic}"));
            Assert.All(widget.Metrics, m => Assert.Equal(("AWS/CodeBuild", $"ProjectName={name}"), (m.Namespace, m.DimensionText)));
        }
    }

    [Fact]
    public void Every_delivery_metric_is_one_the_handler_emits_with_its_dimensions()
    {
        var delivery = Orders.Metrics.Concat(Payments.Metrics).Where(m => m.Namespace == DeliveryMetrics.Namespace).ToList();

        // Every metric the handler emits is on the dashboard, except CodeDeploy's own events (not wired, see docs).
        Assert.Equal(
            HandlerMetrics.All.Keys.Where(k => !k.StartsWith("CodeDeploy", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
            delivery.Select(m => m.MetricName!).Distinct().Order(StringComparer.Ordinal));
        Assert.All(delivery, m => Assert.Equal(HandlerMetrics.All[m.MetricName!].Dimensions, m.Dimensions.Keys.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Expressions_only_use_metrics_of_their_own_widget()
    {
        foreach (var widget in Orders.Widgets.Where(w => w.Metrics.Any(m => m.Expression is not null)))
        {
            var ids = widget.Metrics.Where(m => m.Id is not null && m.Expression is null).Select(m => m.Id!).ToHashSet();
            foreach (var expression in widget.Metrics.Where(m => m.Expression is not null))
            {
                var used = System.Text.RegularExpressions.Regex.Matches(expression.Expression!, "[a-z][A-Za-z0-9]*")
                    .Select(x => x.Value).Where(x => x != "FILL").ToList();
                Assert.All(used, id => Assert.Contains(id, ids));
            }
            // Inputs of an expression are hidden; only the result is drawn.
            Assert.All(widget.Metrics.Where(m => m.Expression is null), m => Assert.False(m.Visible));
        }
    }

    [Fact]
    public void Last_row_shows_the_state_of_every_pipeline_alarm()
    {
        var widget = Orders.Widgets[^1];

        Assert.Equal("alarm", widget.Type);
        Assert.Equal(
            s.Orders.Pipeline.Observability.Alarms.All.Select(a => "${" + ObservabilityScenario.LogicalId(a) + ".Arn}").Order(),
            widget.Alarms.Order());
    }

    private static void AssertInput(DashboardWidget widget, string id, string metricName, string statistic, string dimensions, int? period = null)
    {
        var input = Assert.Single(widget.Metrics, m => m.Id == id);
        Assert.Equal((DeliveryMetrics.Namespace, metricName, statistic, dimensions), (input.Namespace, input.MetricName, input.Statistic, input.DimensionText));
        if (period is not null)
        {
            Assert.Equal(period, input.Period);
        }
    }
}
