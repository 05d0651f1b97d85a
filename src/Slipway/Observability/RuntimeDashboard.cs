using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;
using Slipway.Conventions;
using Slipway.Runtime;

namespace Slipway.Observability;

/// <summary>Props of <see cref="RuntimeDashboard"/>.</summary>
public sealed class RuntimeDashboardProps
{
    /// <summary>The service observed.</summary>
    public required BlueGreenService Service { get; init; }

    /// <summary>Names of the service in this environment.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>Addresses told when a rollback alarm goes off (and clears).</summary>
    /// <remarks>Default: none (the topic exists; subscribe later).</remarks>
    public IReadOnlyList<string>? Emails { get; init; }
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

        var service = props.Service;
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
        foreach (var alarm in service.RollbackAlarms)
        {
            alarm.AddAlarmAction(action);
            alarm.AddOkAction(action);
        }

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = ResourceNames.Claim(this, "dashboard", DashboardName(names)),
            DefaultInterval = Duration.Hours(3),
        });

        var lb = service.LoadBalancer.Metrics;
        Dashboard.AddWidgets(new TextWidget(new TextWidgetProps { Markdown = Header(service, names, stack.Region), Width = 24, Height = 3 }));
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
                    service.BlueTargetGroup.Metrics.HealthyHostCount(new MetricOptions { Statistic = "Minimum", Period = Minute, Label = "Blue (production first)" }),
                    service.GreenTargetGroup.Metrics.HealthyHostCount(new MetricOptions { Statistic = "Minimum", Period = Minute, Label = "Green (replacement)" }),
                },
                LeftYAxis = new YAxisProps { Min = 0, ShowUnits = false },
                Width = 8,
            }),
            new GraphWidget(new GraphWidgetProps
            {
                Title = "Service CPU and memory (%)",
                Left = new IMetric[]
                {
                    service.Service.MetricCpuUtilization(new MetricOptions { Statistic = "Average", Period = Minute, Label = "CPU" }),
                    service.Service.MetricMemoryUtilization(new MetricOptions { Statistic = "Average", Period = Minute, Label = "Memory" }),
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
                            ["ClusterName"] = service.Cluster.ClusterName,
                            ["ServiceName"] = service.Service.ServiceName,
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
            Alarms = service.RollbackAlarms.Cast<IAlarm>().ToArray(),
            Width = 24,
        }));
    }

    private static string Header(BlueGreenService service, ResourceNames names, string region) =>
        $"# {names.Service} in {names.Environment}\n" +
        $"[ECS service](https://{region}.console.aws.amazon.com/ecs/v2/clusters/{service.Cluster.ClusterName}/services/{service.Service.ServiceName}/health?region={region}) · " +
        $"[CodeDeploy deployments](https://{region}.console.aws.amazon.com/codesuite/codedeploy/applications/{service.Application.ApplicationName}?region={region}) · " +
        $"[service URL]({service.ServiceUrl})";
}
