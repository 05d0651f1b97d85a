using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.KMS;
using Constructs;
using Slipway.Conventions;

namespace Slipway.Observability;

/// <summary>One environment a pipeline deploys to, as the observability constructs see it.</summary>
/// <param name="Name">The environment's name (the Environment dimension of the delivery metrics).</param>
/// <param name="Account">The environment's account (where its runtime dashboard is).</param>
/// <param name="Region">The environment's region.</param>
/// <param name="DeployStage">The pipeline stage that deploys it (its CodeDeploy action is counted as its deployment).</param>
/// <param name="Production">Whether it is production: the first production environment in promotion order counts for DORA (default: the last environment).</param>
public sealed record PipelineEnvironment(string Name, string Account, string Region, string DeployStage, bool Production = false)
{
    /// <summary>
    /// The environment whose deployments count for DORA: the first production environment in
    /// promotion order (where a change first reaches users), else the last environment.
    /// </summary>
    public static PipelineEnvironment ProductionOf(IReadOnlyList<PipelineEnvironment> environments) =>
        environments.FirstOrDefault(e => e.Production) ?? environments[^1];
}

/// <summary>Props of <see cref="PipelineObservability"/>.</summary>
public sealed class PipelineObservabilityProps
{
    /// <summary>The pipeline observed (in this stack's account and region).</summary>
    public required IPipeline Pipeline { get; init; }

    /// <summary>Names of the service (no environment): topic, alarms, dashboard, collector are named from them.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>The environments the pipeline deploys to, in promotion order.</summary>
    public required IReadOnlyList<PipelineEnvironment> Environments { get; init; }

    /// <summary>The key that encrypts the notification topic.</summary>
    /// <remarks>Default: a new key (rotated).</remarks>
    public IKey? TopicKey { get; init; }

    /// <summary>The CodeBuild projects shown on the dashboard, in pipeline order.</summary>
    /// <remarks>Default: none (no build rows).</remarks>
    public IReadOnlyList<IProject> Projects { get; init; } = Array.Empty<IProject>();

    /// <summary>The alarm-rollback switch project (BuildProjects.AlarmRollback), which announces hotfix executions on the topic.</summary>
    /// <remarks>Default: none; no hotfix announcements.</remarks>
    public IProject? AlarmRollbackProject { get; init; }

    /// <summary>Addresses emailed every notification.</summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyList<string> Emails { get; init; } = Array.Empty<string>();

    /// <summary>An existing SNS topic (same account and region) that also receives failures.</summary>
    /// <remarks>Default: none.</remarks>
    public string? FailureTopicArn { get; init; }

    /// <summary>Days the collector's log group keeps its events (the metrics are extracted from them).</summary>
    /// <remarks>Default: <see cref="DefaultLogRetentionDays"/>.</remarks>
    public int LogRetentionDays { get; init; } = DefaultLogRetentionDays;

    /// <summary>The compliance pack the resources follow.</summary>
    /// <remarks>Default: <see cref="CompliancePack.None"/>.</remarks>
    public CompliancePack Compliance { get; init; } = CompliancePack.None;

    /// <summary>Concurrent executions reserved for the collector (see <see cref="DeliveryMetricsCollectorProps.ReservedConcurrency"/>).</summary>
    /// <remarks>Default: none.</remarks>
    public int? ReservedConcurrency { get; init; }

    /// <summary>Tags put on everything created.</summary>
    /// <remarks>Default: Environment "tooling", Project and Service the service's name, CostCenter "unassigned", ManagedBy "slipway".</remarks>
    public SlipwayTags? Tags { get; init; }

    /// <summary>The default of <see cref="LogRetentionDays"/>.</summary>
    public const int DefaultLogRetentionDays = 30;
}

/// <summary>
/// Notifications, delivery metrics, the pipeline dashboard and alarms of a service pipeline:
/// <see cref="PipelineNotifications"/> (SNS topic and EventBridge rules),
/// <see cref="DeliveryMetricsCollector"/> (the Lambda that turns CodePipeline events into
/// pipeline, deployment and DORA metrics), <see cref="PipelineAlarms"/> (notifying the topic) and
/// <see cref="PipelineDashboard"/>. See docs/observability.md.
/// </summary>
/// <remarks>
/// Needs a stack with a concrete account and region. It creates no pipeline, project or runtime
/// dashboard: it observes the given ones.
/// </remarks>
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

    /// <summary>The key of the notification topic (given or created).</summary>
    public IKey TopicKey { get; }

    /// <summary>Creates the observability resources.</summary>
    public PipelineObservability(Construct scope, string id, PipelineObservabilityProps props) : base(scope, id)
    {
        var (account, region) = StackEnvironment.Require(this, nameof(PipelineObservability), "the ARNs its rules, metrics and alarms read");
        Validate(props, account, region);

        TopicKey = props.TopicKey ?? new Key(this, "TopicKey", new KeyProps
        {
            Description = $"Encrypts the {props.Names.Service} pipeline's SNS topics.",
            EnableKeyRotation = true,
            PendingWindow = Duration.Days(7),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        Notifications = new PipelineNotifications(this, "Notifications", new PipelineNotificationsProps
        {
            Pipeline = props.Pipeline,
            Names = props.Names,
            TopicKey = TopicKey,
            Emails = props.Emails,
            FailureTopicArn = props.FailureTopicArn,
            AlarmRollbackProject = props.AlarmRollbackProject,
        });
        Collector = new DeliveryMetricsCollector(this, "DeliveryMetrics", new DeliveryMetricsCollectorProps
        {
            Pipeline = props.Pipeline,
            Names = props.Names,
            Environments = props.Environments,
            LogRetentionDays = props.LogRetentionDays,
            Compliance = props.Compliance,
            ReservedConcurrency = props.ReservedConcurrency,
        });
        Alarms = new PipelineAlarms(this, "Alarms", new PipelineAlarmsProps
        {
            Pipeline = props.Pipeline,
            Names = props.Names,
            Environments = props.Environments,
            Topic = Notifications.Topic,
        });
        Dashboard = new PipelineDashboard(this, "Dashboard", new PipelineDashboardProps
        {
            Pipeline = props.Pipeline,
            Names = props.Names,
            Environments = props.Environments,
            Projects = props.Projects,
            Alarms = Alarms.All.Cast<IAlarm>().ToArray(),
        });
        ConstructTags.Apply(this, props.Tags, props.Names);
    }

    private static void Validate(PipelineObservabilityProps props, string account, string region)
    {
        var v = new Validator();
        const string path = nameof(PipelineObservabilityProps);
        v.Require(props.Environments.Count > 0, $"{path}.{nameof(PipelineObservabilityProps.Environments)}", "[]",
            "is empty. List the environments the pipeline deploys to, each with the stage that deploys it.");
        foreach (var (email, i) in props.Emails.Select((e, i) => (e, i)))
        {
            v.Email(email, $"{path}.{nameof(PipelineObservabilityProps.Emails)}[{i}]");
        }
        CheckFailureTopic(v, $"{path}.{nameof(PipelineObservabilityProps.FailureTopicArn)}", props.FailureTopicArn, account, region);
        v.ThrowIfAny();
    }

    /// <summary>
    /// A failure topic must be in the rules' own account and region: CDK (2.160) builds no rule
    /// that sends to an imported topic of another account, and EventBridge rules only send to
    /// topics in their own region.
    /// </summary>
    internal static void CheckFailureTopic(Validator v, string path, string? arn, string account, string region)
    {
        if (arn is not null && !Validator.IsToken(arn)
            && !Token.IsUnresolved(account) && !Token.IsUnresolved(region)
            && arn.Split(':') is { Length: 6 } parts && (parts[3] != region || parts[4] != account))
        {
            v.Add(path, arn,
                $"is in {parts[4]}/{parts[3]}, but the pipeline's EventBridge rules are in {account}/{region}, and a rule can only send to a topic in its own account and region. " +
                $"Use a topic in {account}/{region}; other accounts and regions can subscribe to it.");
        }
    }
}
