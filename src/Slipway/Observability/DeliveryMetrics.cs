using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;

namespace Slipway.Observability;

/// <summary>
/// The custom metrics the delivery-metrics collector (<c>DeliveryMetrics/index.js</c>) writes as
/// Embedded Metric Format lines: names, dimensions and units exactly as the handler emits them
/// (see <c>DeliveryMetrics/README.md</c>). Dashboards and alarms build their metrics here only,
/// so a renamed metric breaks one place.
/// </summary>
public static class DeliveryMetrics
{
    /// <summary>The CloudWatch namespace (the handler's default, also set in its config).</summary>
    public const string Namespace = "Slipway/Delivery";

    /// <summary>Dimension: the pipeline name.</summary>
    public const string PipelineDimension = "Pipeline";

    /// <summary>Dimension: the environment a deployment went to.</summary>
    public const string EnvironmentDimension = "Environment";

    /// <summary>Count, dimension Pipeline: an execution ended SUCCEEDED.</summary>
    public const string PipelineExecutionSucceeded = "PipelineExecutionSucceeded";

    /// <summary>Count, dimension Pipeline: an execution ended FAILED.</summary>
    public const string PipelineExecutionFailed = "PipelineExecutionFailed";

    /// <summary>Count, dimension Pipeline: an execution ended STOPPED, SUPERSEDED or CANCELED.</summary>
    public const string PipelineExecutionStopped = "PipelineExecutionStopped";

    /// <summary>Milliseconds, dimension Pipeline: execution start to end.</summary>
    public const string PipelineExecutionDuration = "PipelineExecutionDuration";

    /// <summary>Count, dimensions Pipeline and Environment: the deploy action succeeded.</summary>
    public const string DeploymentSucceeded = "DeploymentSucceeded";

    /// <summary>Count, dimensions Pipeline and Environment: the deploy action failed.</summary>
    public const string DeploymentFailed = "DeploymentFailed";

    /// <summary>Count, dimensions Pipeline and Environment: CodeDeploy rolled traffic back (every failed deploy action).</summary>
    public const string DeploymentRolledBack = "DeploymentRolledBack";

    /// <summary>Milliseconds, dimensions Pipeline and Environment: deploy action start to end.</summary>
    public const string DeploymentDuration = "DeploymentDuration";

    /// <summary>Count, dimension Pipeline: a successful production deployment (DORA deployment frequency).</summary>
    public const string DeploymentFrequency = "DeploymentFrequency";

    /// <summary>Count, dimension Pipeline: every production deployment outcome (the change-failure-rate denominator).</summary>
    public const string ProductionDeployments = "ProductionDeployments";

    /// <summary>Count, dimension Pipeline: a failed production deployment (the change-failure-rate numerator).</summary>
    public const string ChangeFailure = "ChangeFailure";

    /// <summary>Milliseconds, dimension Pipeline: execution start to the production deploy's success.</summary>
    public const string LeadTimeForChanges = "LeadTimeForChanges";

    /// <summary>Milliseconds, dimension Pipeline: first failed production deployment to the next success.</summary>
    public const string TimeToRestore = "TimeToRestore";

    /// <summary>A metric with the Pipeline dimension only.</summary>
    public static Metric ForPipeline(string metricName, string pipeline, string statistic, Duration period, string? label = null) =>
        new(new MetricProps
        {
            Namespace = Namespace,
            MetricName = metricName,
            DimensionsMap = new Dictionary<string, string> { [PipelineDimension] = pipeline },
            Statistic = statistic,
            Period = period,
            Label = label,
        });

    /// <summary>A metric with the Pipeline and Environment dimensions.</summary>
    public static Metric ForEnvironment(string metricName, string pipeline, string environment, string statistic, Duration period, string? label = null) =>
        new(new MetricProps
        {
            Namespace = Namespace,
            MetricName = metricName,
            DimensionsMap = new Dictionary<string, string> { [PipelineDimension] = pipeline, [EnvironmentDimension] = environment },
            Statistic = statistic,
            Period = period,
            Label = label,
        });
}
