using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.CodePipeline;
using Constructs;
using Slipway.Conventions;

namespace Slipway.Observability;

/// <summary>Props of <see cref="PipelineDashboard"/>.</summary>
public sealed class PipelineDashboardProps
{
    /// <summary>The pipeline.</summary>
    public required IPipeline Pipeline { get; init; }

    /// <summary>Names of the service (no environment): the dashboard, and the runtime dashboards it links to, are named from them.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>The environments, in promotion order: one row each, and a link to each runtime dashboard.</summary>
    public required IReadOnlyList<PipelineEnvironment> Environments { get; init; }

    /// <summary>The CodeBuild projects, one graph each (titled by construct id), in pipeline order.</summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyList<IProject> Projects { get; init; } = Array.Empty<IProject>();

    /// <summary>Alarms shown in a status row at the bottom.</summary>
    /// <remarks>Default: no alarm row.</remarks>
    public IReadOnlyList<IAlarm>? Alarms { get; init; }
}

/// <summary>
/// The delivery dashboard of a pipeline (CloudWatch, named <c>{service}-pipeline-{suffix}</c>):
/// links to the pipeline and the runtime dashboards; executions, success rate and duration; the
/// four DORA metrics; deployments, rollbacks and deployment duration per environment; CodeBuild
/// duration and outcomes per project; alarm status. Layout in docs/observability.md.
/// </summary>
public sealed class PipelineDashboard : Construct
{
    private static readonly Duration Hour = Duration.Hours(1);
    private static readonly Duration Day = Duration.Days(1);

    /// <summary>The dashboard.</summary>
    public Dashboard Dashboard { get; }

    /// <summary>Creates the dashboard.</summary>
    public PipelineDashboard(Construct scope, string id, PipelineDashboardProps props) : base(scope, id)
    {
        var names = props.Names;
        var pipelineName = DeliveryMetricsCollector.PipelineName(props.Pipeline);
        var region = Stack.Of(this).Region;

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = ResourceNames.Claim(this, "dashboard", names.Name("pipeline", 255)),
            DefaultInterval = Duration.Days(7),
        });

        Dashboard.AddWidgets(new TextWidget(new TextWidgetProps { Markdown = Header(names, props.Environments, pipelineName, region), Width = 24, Height = 5 }));

        Metric Pipeline(string name, string statistic, Duration period, string label) =>
            DeliveryMetrics.ForPipeline(name, pipelineName, statistic, period, label);

        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Pipeline executions (per hour)",
                Left = new IMetric[]
                {
                    Pipeline(DeliveryMetrics.PipelineExecutionSucceeded, "Sum", Hour, "Succeeded"),
                    Pipeline(DeliveryMetrics.PipelineExecutionFailed, "Sum", Hour, "Failed"),
                    Pipeline(DeliveryMetrics.PipelineExecutionStopped, "Sum", Hour, "Stopped or superseded"),
                },
                Stacked = true,
                Width = 8,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Pipeline success rate (%, per day)",
                Left = new IMetric[]
                {
                    Expression("100 * FILL(succeeded, 0) / (FILL(succeeded, 0) + FILL(failed, 0))", "Success rate (%)", Day,
                        ("succeeded", Pipeline(DeliveryMetrics.PipelineExecutionSucceeded, "Sum", Day, "Succeeded")),
                        ("failed", Pipeline(DeliveryMetrics.PipelineExecutionFailed, "Sum", Day, "Failed"))),
                },
                LeftYAxis = new YAxisProps { Min = 0, Max = 100, ShowUnits = false },
                Width = 8,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Pipeline duration (minutes)",
                Left = new IMetric[]
                {
                    Expression("duration / 60000", "Average", Hour, ("duration", Pipeline(DeliveryMetrics.PipelineExecutionDuration, "Average", Hour, "Average (ms)"))),
                    Expression("p90duration / 60000", "p90", Hour, ("p90duration", Pipeline(DeliveryMetrics.PipelineExecutionDuration, "p90", Hour, "p90 (ms)"))),
                },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 8,
            }));

        // DORA, from the production environment's deploy action (see docs/observability.md).
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "DORA: deployment frequency (production deployments per day)",
                Left = new IMetric[] { Pipeline(DeliveryMetrics.DeploymentFrequency, "Sum", Day, "Deployments") },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 6,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "DORA: lead time for changes (hours)",
                Left = new IMetric[]
                {
                    Expression("leadTime / 3600000", "Average lead time (hours)", Day,
                        ("leadTime", Pipeline(DeliveryMetrics.LeadTimeForChanges, "Average", Day, "Lead time (ms)"))),
                },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 6,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "DORA: change failure rate (%)",
                Left = new IMetric[]
                {
                    Expression("100 * FILL(changeFailures, 0) / productionDeployments", "Change failure rate (%)", Day,
                        ("changeFailures", Pipeline(DeliveryMetrics.ChangeFailure, "Sum", Day, "Failed production deployments")),
                        ("productionDeployments", Pipeline(DeliveryMetrics.ProductionDeployments, "Sum", Day, "Production deployments"))),
                },
                LeftYAxis = new YAxisProps { Min = 0, Max = 100, ShowUnits = false },
                Width = 6,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "DORA: time to restore (hours)",
                Left = new IMetric[]
                {
                    Expression("restore / 3600000", "Average time to restore (hours)", Day,
                        ("restore", Pipeline(DeliveryMetrics.TimeToRestore, "Average", Day, "Time to restore (ms)"))),
                },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 6,
            }));

        foreach (var target in props.Environments)
        {
            Metric Environment(string name, string statistic, Duration period, string label) =>
                DeliveryMetrics.ForEnvironment(name, pipelineName, target.Name, statistic, period, label);
            Dashboard.AddWidgets(
                new GraphWidget(new GraphWidgetProps
                {
                    Title = $"Deployments to {target.Name} (per hour)",
                    Left = new IMetric[]
                    {
                        Environment(DeliveryMetrics.DeploymentSucceeded, "Sum", Hour, "Succeeded"),
                        Environment(DeliveryMetrics.DeploymentFailed, "Sum", Hour, "Failed"),
                        Environment(DeliveryMetrics.DeploymentRolledBack, "Sum", Hour, "Rolled back"),
                    },
                    LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                    Width = 12,
                }),
                new GraphWidget(new GraphWidgetProps
                {
                    Title = $"Deployment duration in {target.Name} (minutes)",
                    Left = new IMetric[]
                    {
                        Expression("deployDuration / 60000", "Average", Hour,
                            ("deployDuration", Environment(DeliveryMetrics.DeploymentDuration, "Average", Hour, "Average (ms)"))),
                        Expression("deployMax / 60000", "Maximum", Hour,
                            ("deployMax", Environment(DeliveryMetrics.DeploymentDuration, "Maximum", Hour, "Maximum (ms)"))),
                    },
                    LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                    Width = 12,
                }));
        }

        // CodeBuild publishes AWS/CodeBuild metrics per ProjectName (Duration in seconds).
        var builds = props.Projects.Select(project => (IWidget)new GraphWidget(new GraphWidgetProps
        {
            Title = $"Build {project.Node.Id}",
            Left = new IMetric[]
            {
                project.MetricDuration(new MetricOptions { Statistic = "Average", Period = Hour, Label = "Duration, average (s)" }),
                project.MetricDuration(new MetricOptions { Statistic = "p90", Period = Hour, Label = "Duration, p90 (s)" }),
            },
            Right = new IMetric[]
            {
                project.MetricSucceededBuilds(new MetricOptions { Statistic = "Sum", Period = Hour, Label = "Succeeded builds" }),
                project.MetricFailedBuilds(new MetricOptions { Statistic = "Sum", Period = Hour, Label = "Failed builds" }),
            },
            LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
            RightYAxis = new YAxisProps { Min = 0, ShowUnits = false },
            Width = 8,
        })).ToArray();
        for (var i = 0; i < builds.Length; i += 3)
        {
            Dashboard.AddWidgets(builds.Skip(i).Take(3).ToArray());
        }

        if (props.Alarms is { Count: > 0 } alarms)
        {
            Dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps
            {
                Title = "Alarms",
                Alarms = alarms.ToArray(),
                Width = 24,
            }));
        }
    }

    private static MathExpression Expression(string expression, string label, Duration period, params (string Id, IMetric Metric)[] metrics) =>
        new(new MathExpressionProps
        {
            Expression = expression,
            Label = label,
            Period = period,
            UsingMetrics = metrics.ToDictionary(m => m.Id, m => m.Metric),
        });

    private static string Header(ResourceNames names, IReadOnlyList<PipelineEnvironment> environments, string pipelineName, string region)
    {
        var console = $"https://{region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/{pipelineName}";
        var lines = new List<string>
        {
            $"# {names.Service}: delivery",
            $"Pipeline [{pipelineName}]({console}/view?region={region}) · [execution history]({console}/executions?region={region}) · " +
            "metrics from the Slipway delivery-metrics collector (`" + DeliveryMetrics.Namespace + "`; how they are computed: docs/observability.md).",
            "",
            "Runtime dashboards (sign in to the environment's account): " + string.Join(" · ", environments.Select(e =>
                $"[{e.Name}](https://{e.Region}.console.aws.amazon.com/cloudwatch/home?region={e.Region}#dashboards/dashboard/" +
                RuntimeDashboard.DashboardName(names.ForEnvironment(e.Name)) + $") ({e.Account})")),
        };
        return string.Join("\n", lines);
    }
}
