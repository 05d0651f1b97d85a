using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;
using Slipway.Conventions;
using Amazon.CDK.AWS.CodeDeploy;
using Amazon.CDK.AWS.ECS;

namespace Slipway.Observability;

/// <summary>Props of <see cref="RuntimeDashboard"/>.</summary>
public sealed class RuntimeDashboardProps
{
    /// <summary>The ECS service observed (CPU, memory, running tasks).</summary>
    public required BaseService Service { get; init; }

    /// <summary>The cluster the service runs in.</summary>
    public required ICluster Cluster { get; init; }

    /// <summary>The load balancer in front of the service (requests, 5xx, latency).</summary>
    public required IApplicationLoadBalancer LoadBalancer { get; init; }

    /// <summary>The target group that serves production first.</summary>
    public required IApplicationTargetGroup BlueTargetGroup { get; init; }

    /// <summary>The target group CodeDeploy registers replacement tasks in.</summary>
    public required IApplicationTargetGroup GreenTargetGroup { get; init; }

    /// <summary>The CodeDeploy application of the service (a link to its deployments).</summary>
    public required IEcsApplication Application { get; init; }

    /// <summary>The service's production URL (a link in the header).</summary>
    public required string ServiceUrl { get; init; }

    /// <summary>The alarms that roll a deployment back: they notify the alarm topic and are shown.</summary>
    public required IReadOnlyList<AlarmBase> RollbackAlarms { get; init; }

    /// <summary>Names of the service in this environment.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>Addresses told when a rollback alarm goes off (and clears).</summary>
    /// <remarks>Default: none (the topic exists; subscribe later).</remarks>
    public IReadOnlyList<string>? Emails { get; init; }

    /// <summary>The tags put on the topic, its key and the dashboard.</summary>
    /// <remarks>Default: Service and Project <see cref="ResourceNames.Service"/>, Environment <see cref="ResourceNames.Environment"/>, CostCenter "unassigned", ManagedBy slipway.</remarks>
    public SlipwayTags? Tags { get; init; }
}

/// <summary>
/// The runtime view of one service in one environment: a CloudWatch dashboard (named
/// <c>{service}-{environment}-runtime-{suffix}</c>) with the load balancer's traffic, 5xx and p99
/// latency, healthy hosts per target group, the service's CPU, memory and running tasks, and the
/// rollback alarms; plus an SNS topic (its own KMS key, TLS only) that those alarms notify, so a
/// rollback is heard about, not only performed.
/// </summary>
public sealed class RuntimeDashboard : Construct
{
    private static readonly Duration Minute = Duration.Minutes(1);

    /// <summary>The dashboard's name for the service in an environment.</summary>
    public static string DashboardName(ResourceNames environmentNames) => environmentNames.Name("runtime", 255);

    /// <summary>The dashboard.</summary>
    public Dashboard Dashboard { get; }

    /// <summary>The topic the rollback alarms notify.</summary>
    public Topic AlarmTopic { get; }

    /// <summary>The key that encrypts <see cref="AlarmTopic"/>.</summary>
    public Key AlarmTopicKey { get; }

    /// <summary>Creates the dashboard and the alarm topic.</summary>
    public RuntimeDashboard(Construct scope, string id, RuntimeDashboardProps props) : base(scope, id)
    {
        var v = new Validator();
        foreach (var (email, i) in (props.Emails ?? Array.Empty<string>()).Select((e, i) => (e, i)))
        {
            v.Email(email, $"emails[{i}]");
        }
        v.ThrowIfAny();

        var names = props.Names;
        var stack = Stack.Of(this);

        AlarmTopicKey = new Key(this, "AlarmTopicKey", new KeyProps
        {
            Description = $"Encrypts {names.Name("alarms")}, the rollback alarm notifications.",
            EnableKeyRotation = true,
            PendingWindow = Duration.Days(7),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        var topicName = ResourceNames.Claim(this, "SNS topic", names.Name("alarms", 256));
        AlarmTopic = new Topic(this, "AlarmTopic", new TopicProps
        {
            TopicName = topicName,
            DisplayName = $"{names.Service} {names.Environment} alarms",
            MasterKey = AlarmTopicKey,
            EnforceSSL = true,
        });
        foreach (var email in props.Emails ?? Array.Empty<string>())
        {
            AlarmTopic.AddSubscription(new EmailSubscription(email));
        }
        EncryptedTopics.AllowAlarms(AlarmTopic, AlarmTopicKey, EncryptedTopics.Arn(stack, topicName), names);

        var action = new SnsAction(AlarmTopic);
        foreach (var alarm in props.RollbackAlarms)
        {
            alarm.AddAlarmAction(action);
            alarm.AddOkAction(action);
        }

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = ResourceNames.Claim(this, "dashboard", DashboardName(names)),
            DefaultInterval = Duration.Hours(3),
        });

        var lb = props.LoadBalancer.Metrics;
        Dashboard.AddWidgets(new TextWidget(new TextWidgetProps { Markdown = Header(props, names, stack.Region), Width = 24, Height = 3 }));
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Requests (per minute)",
                Left = new IMetric[] { lb.RequestCount(new MetricOptions { Statistic = "Sum", Period = Minute, Label = "Requests" }) },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 8,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Target 5xx responses (per minute)",
                Left = new IMetric[]
                {
                    lb.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Statistic = "Sum", Period = Minute, Label = "5xx from tasks" }),
                },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 8,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Target response time, p99 (seconds)",
                Left = new IMetric[] { lb.TargetResponseTime(new MetricOptions { Statistic = "p99", Period = Minute, Label = "p99" }) },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 8,
            }));
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Healthy tasks per target group",
                Left = new IMetric[]
                {
                    props.BlueTargetGroup.Metrics.HealthyHostCount(new MetricOptions { Statistic = "Minimum", Period = Minute, Label = "Blue (production first)" }),
                    props.GreenTargetGroup.Metrics.HealthyHostCount(new MetricOptions { Statistic = "Minimum", Period = Minute, Label = "Green (replacement)" }),
                },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 8,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Service CPU and memory (%)",
                Left = new IMetric[]
                {
                    props.Service.MetricCpuUtilization(new MetricOptions { Statistic = "Average", Period = Minute, Label = "CPU" }),
                    props.Service.MetricMemoryUtilization(new MetricOptions { Statistic = "Average", Period = Minute, Label = "Memory" }),
                },
                LeftYAxis = new YAxisProps { Min = 0, Max = 100, ShowUnits = false },
                Width = 8,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Running tasks",
                Left = new IMetric[]
                {
                    // Container Insights (on for clusters Slipway creates; an imported cluster needs it too).
                    new Metric(new MetricProps
                    {
                        Namespace = "ECS/ContainerInsights",
                        MetricName = "RunningTaskCount",
                        DimensionsMap = new Dictionary<string, string>
                        {
                            ["ClusterName"] = props.Cluster.ClusterName,
                            ["ServiceName"] = props.Service.ServiceName,
                        },
                        Statistic = "Average",
                        Period = Minute,
                        Label = "Running tasks",
                    }),
                },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 8,
            }));
        Dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps
        {
            Title = "Rollback alarms (any in ALARM stops and rolls back a deployment)",
            Alarms = props.RollbackAlarms.Cast<IAlarm>().ToArray(),
            Width = 24,
        }));

        ConstructTags.Apply(this, props.Tags, names);
    }

    private static string Header(RuntimeDashboardProps props, ResourceNames names, string region) =>
        $"# {names.Service} in {names.Environment}\n" +
        $"[ECS service](https://{region}.console.aws.amazon.com/ecs/v2/clusters/{props.Cluster.ClusterName}/services/{props.Service.ServiceName}/health?region={region}) · " +
        $"[CodeDeploy deployments](https://{region}.console.aws.amazon.com/codesuite/codedeploy/applications/{props.Application.ApplicationName}?region={region}) · " +
        $"[service URL]({props.ServiceUrl})";
}
