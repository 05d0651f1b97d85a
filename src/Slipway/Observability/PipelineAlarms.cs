using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Slipway.Conventions;

namespace Slipway.Observability;

/// <summary>Props of <see cref="PipelineAlarms"/>.</summary>
public sealed class PipelineAlarmsProps
{
    /// <summary>The pipeline.</summary>
    public required IPipeline Pipeline { get; init; }

    /// <summary>Names of the service (no environment): the alarms are named from them.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>The environments, in promotion order: one deployment alarm each.</summary>
    public required IReadOnlyList<PipelineEnvironment> Environments { get; init; }

    /// <summary>Where every alarm notifies.</summary>
    public required ITopic Topic { get; init; }
}

/// <summary>
/// Alarms on the delivery metrics, each notifying the pipeline's topic: a failed pipeline
/// execution, a failed (rolled back) deployment in each environment, and, as information, a
/// successful production deployment. Missing data is never a breach: no deployment is not a problem.
/// </summary>
public sealed class PipelineAlarms : Construct
{
    /// <summary>How long an alarm looks back, and so how long it stays in ALARM after one event.</summary>
    public static readonly Duration Period = Duration.Minutes(5);

    /// <summary>PipelineExecutionFailed ≥ 1 in 5 minutes.</summary>
    public Alarm PipelineFailed { get; }

    /// <summary>Per environment: DeploymentFailed or DeploymentRolledBack ≥ 1 in 5 minutes.</summary>
    public IReadOnlyDictionary<string, Alarm> DeploymentFailed { get; }

    /// <summary>DeploymentSucceeded ≥ 1 in 5 minutes in the production environment (informational).</summary>
    public Alarm ProductionDeploymentSucceeded { get; }

    /// <summary>Every alarm.</summary>
    public IReadOnlyList<Alarm> All { get; }

    /// <summary>Creates the alarms.</summary>
    public PipelineAlarms(Construct scope, string id, PipelineAlarmsProps props) : base(scope, id)
    {
        var names = props.Names;
        var pipelineName = DeliveryMetricsCollector.PipelineName(props.Pipeline);
        var action = new SnsAction(props.Topic);

        Alarm Create(string alarmId, string resource, IMetric metric, string description)
        {
            var alarm = new Alarm(this, alarmId, new AlarmProps
            {
                AlarmName = ResourceNames.Claim(this, "alarm", names.Name(resource)),
                AlarmDescription = description,
                Metric = metric,
                Threshold = 1,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });
            alarm.AddAlarmAction(action);
            return alarm;
        }

        PipelineFailed = Create("PipelineFailedAlarm", "pipeline-failed",
            DeliveryMetrics.ForPipeline(DeliveryMetrics.PipelineExecutionFailed, pipelineName, "Sum", Period),
            $"An execution of the {pipelineName} pipeline failed. The execution history shows which stage and action.");

        var failed = new Dictionary<string, Alarm>();
        foreach (var target in props.Environments)
        {
            // The collector counts a failed blue/green action as both failed and rolled back
            // (auto-rollback is always on); one alarm for either keeps it to one message.
            failed[target.Name] = Create($"{ResourceNames.Pascal(target.Name)}DeploymentFailedAlarm", $"{target.Name}-deployment-failed",
                new MathExpression(new MathExpressionProps
                {
                    Expression = "FILL(failed, 0) + FILL(rolledBack, 0)",
                    UsingMetrics = new Dictionary<string, IMetric>
                    {
                        ["failed"] = DeliveryMetrics.ForEnvironment(DeliveryMetrics.DeploymentFailed, pipelineName, target.Name, "Sum", Period),
                        ["rolledBack"] = DeliveryMetrics.ForEnvironment(DeliveryMetrics.DeploymentRolledBack, pipelineName, target.Name, "Sum", Period),
                    },
                    Label = $"Failed or rolled back deployments to {target.Name}",
                    Period = Period,
                }),
                $"A deployment of {names.Service} to {target.Name} failed and CodeDeploy rolled traffic back to the previous tasks.");
        }
        DeploymentFailed = failed;

        var production = PipelineEnvironment.ProductionOf(props.Environments);
        ProductionDeploymentSucceeded = Create("ProductionDeploymentSucceededAlarm", $"{production.Name}-deployment-succeeded",
            DeliveryMetrics.ForEnvironment(DeliveryMetrics.DeploymentSucceeded, pipelineName, production.Name, "Sum", Period),
            $"Information, not a problem: a new version of {names.Service} is live in {production.Name}. The alarm returns to OK by itself.");

        All = new[] { PipelineFailed }.Concat(DeploymentFailed.Values).Append(ProductionDeploymentSucceeded).ToArray();
    }

}
