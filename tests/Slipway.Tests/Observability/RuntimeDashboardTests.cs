using Slipway.Observability;
using Slipway.Runtime;
using Slipway.Tests.Observability.Support;
using Slipway.Stacks;

namespace Slipway.Tests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class RuntimeDashboardTests(ObservabilityScenario s)
{
    private IEnumerable<ServiceRuntimeStack> Runtimes => s.Orders.Runtimes.Concat(s.Payments.Runtimes);

    private static RuntimeDashboard Of(ServiceRuntimeStack stack) => (RuntimeDashboard)stack.Node.FindChild("Observability");

    private DashboardBody Dashboard(ServiceRuntimeStack stack) => DashboardBody.From(s.Resource(Of(stack).Dashboard), s.Text(stack));

    [Fact]
    public void Every_runtime_stack_has_a_dashboard_named_by_convention()
    {
        Assert.Equal(
            new[] { "orders-staging-runtime-dev", "orders-prod-runtime-dev", "payments-qa-runtime-dev", "payments-live-runtime-dev" },
            Runtimes.Select(r => Dashboard(r).Name));
    }

    [Fact]
    public void Load_balancer_widgets_show_requests_5xx_and_p99_latency_of_this_load_balancer()
    {
        foreach (var runtime in Runtimes)
        {
            var dashboard = Dashboard(runtime);
            var lb = $"LoadBalancer=${{{ObservabilityScenario.LogicalId(runtime.Service.LoadBalancer)}.LoadBalancerFullName}}";

            AssertMetric(Assert.Single(dashboard.Widget("Requests (per minute)").Metrics), "AWS/ApplicationELB", "RequestCount", "Sum", lb);
            AssertMetric(Assert.Single(dashboard.Widget("Target 5xx responses (per minute)").Metrics), "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", lb);
            AssertMetric(Assert.Single(dashboard.Widget("Target response time, p99 (seconds)").Metrics), "AWS/ApplicationELB", "TargetResponseTime", "p99", lb);
        }
    }

    [Fact]
    public void Healthy_hosts_are_shown_per_target_group_of_this_load_balancer()
    {
        foreach (var runtime in Runtimes)
        {
            var metrics = Dashboard(runtime).Widget("Healthy tasks per target group").Metrics;

            Assert.Equal(2, metrics.Count);
            Assert.All(metrics, m =>
            {
                Assert.Equal(("AWS/ApplicationELB", "HealthyHostCount"), (m.Namespace, m.MetricName));
                Assert.Equal(new[] { "LoadBalancer", "TargetGroup" }, m.Dimensions.Keys.Order(StringComparer.Ordinal));
                Assert.NotEmpty(m.Dimensions["LoadBalancer"]);
            });
            Assert.Equal($"${{{ObservabilityScenario.LogicalId(runtime.Service.BlueTargetGroup)}.TargetGroupFullName}}", metrics[0].Dimensions["TargetGroup"]);
            Assert.Equal($"${{{ObservabilityScenario.LogicalId(runtime.Service.GreenTargetGroup)}.TargetGroupFullName}}", metrics[1].Dimensions["TargetGroup"]);
        }
    }

    [Fact]
    public void Service_widgets_show_cpu_memory_and_running_tasks_of_this_service()
    {
        foreach (var runtime in Runtimes)
        {
            var dashboard = Dashboard(runtime);
            var names = runtime.Names;
            // The service's name carries its pair hash (ReplaceableNames): the one the template gives it.
            var serviceName = ((Amazon.CDK.AWS.ECS.CfnService)runtime.Service.Service.Node.DefaultChild!).ServiceName;
            Assert.Matches($"^{names.Name("service", 255)}-[0-9a-f]{{6}}$", serviceName);
            var dims = $"ClusterName={names.Name("cluster", 255)},ServiceName={serviceName}";

            var usage = dashboard.Widget("Service CPU and memory (%)").Metrics;
            Assert.Equal(2, usage.Count);
            AssertMetric(usage[0], "AWS/ECS", "CPUUtilization", "Average", dims);
            AssertMetric(usage[1], "AWS/ECS", "MemoryUtilization", "Average", dims);
            AssertMetric(Assert.Single(dashboard.Widget("Running tasks").Metrics), "ECS/ContainerInsights", "RunningTaskCount", "Average", dims);
        }
    }

    [Fact]
    public void Rollback_alarms_notify_the_alarm_topic_when_they_fire_and_clear()
    {
        foreach (var runtime in Runtimes)
        {
            var topicId = ObservabilityScenario.LogicalId(Of(runtime).AlarmTopic);

            Assert.Equal(4, runtime.Service.RollbackAlarms.Count);
            Assert.All(runtime.Service.RollbackAlarms, alarm =>
            {
                var p = s.Properties(alarm);
                Assert.Equal(topicId, Assert.Single(p["AlarmActions"]!.AsArray())!["Ref"]!.GetValue<string>());
                Assert.Equal(topicId, Assert.Single(p["OKActions"]!.AsArray())!["Ref"]!.GetValue<string>());
            });
            Assert.Equal(
                runtime.Service.RollbackAlarms.Select(a => "${" + ObservabilityScenario.LogicalId(a) + ".Arn}"),
                Dashboard(runtime).Widgets[^1].Alarms);
        }
    }

    [Fact]
    public void Alarm_topic_is_encrypted_with_its_own_rotating_key_and_accepts_TLS_only()
    {
        foreach (var runtime in Runtimes)
        {
            var observability = Of(runtime);
            var topic = s.Properties(observability.AlarmTopic);
            var key = s.Properties(observability.AlarmTopicKey);

            Assert.Equal(runtime.Names.Name("alarms"), topic["TopicName"]!.GetValue<string>());
            Assert.Equal(ObservabilityScenario.LogicalId(observability.AlarmTopicKey), topic["KmsMasterKeyId"]!["Fn::GetAtt"]![0]!.GetValue<string>());
            Assert.True(key["EnableKeyRotation"]!.GetValue<bool>());
            var deny = s.TopicPolicyStatements(observability.AlarmTopic).Single(st => st["Effect"]!.GetValue<string>() == "Deny");
            Assert.Equal("false", deny["Condition"]!["Bool"]!["aws:SecureTransport"]!.GetValue<string>());
            Assert.Equal("sns:Publish", deny["Action"]!.GetValue<string>());
        }
    }

    [Fact]
    public void CloudWatch_may_publish_and_encrypt_for_the_alarm_topic_only()
    {
        foreach (var runtime in Runtimes)
        {
            var observability = Of(runtime);
            var text = s.Text(runtime);
            var topicArn = $"arn:aws:sns:{runtime.Region}:{runtime.Account}:{runtime.Names.Name("alarms")}";

            var publish = s.TopicPolicyStatements(observability.AlarmTopic).Single(st => ObservabilityScenario.ServicePrincipal(st) == "cloudwatch.amazonaws.com");
            Assert.Equal(runtime.Account, publish["Condition"]!["StringEquals"]!["aws:SourceAccount"]!.GetValue<string>());
            Assert.Equal($"arn:aws:cloudwatch:{runtime.Region}:{runtime.Account}:alarm:{runtime.Names.Name("*")}",
                text.Render(publish["Condition"]!["ArnLike"]!["aws:SourceArn"]));

            var encrypt = s.Properties(observability.AlarmTopicKey)["KeyPolicy"]!["Statement"]!.AsArray()
                .Single(st => ObservabilityScenario.ServicePrincipal(st) == "cloudwatch.amazonaws.com")!;
            Assert.Equal("""["kms:GenerateDataKey*","kms:Decrypt"]""", encrypt["Action"]!.ToJsonString());
            Assert.Equal(topicArn, text.Render(encrypt["Condition"]!["StringEquals"]!["kms:EncryptionContext:aws:sns:topicArn"]));
        }
    }

    [Fact]
    public void Notification_emails_are_subscribed_to_the_alarm_topic()
    {
        var staging = s.Orders.Runtimes[0];
        var topicId = ObservabilityScenario.LogicalId(Of(staging).AlarmTopic);

        Assert.Equal(
            new[] { "oncall@example.com", "team@example.com" },
            s.Resources(staging, "AWS::SNS::Subscription")
                .Where(r => r.Resource["Properties"]!["TopicArn"]!["Ref"]?.GetValue<string>() == topicId)
                .Select(r => r.Resource["Properties"]!["Endpoint"]!.GetValue<string>())
                .Order());
        Assert.Empty(s.Resources(s.Payments.Runtimes[0], "AWS::SNS::Subscription"));
    }

    private static void AssertMetric(DashboardMetric metric, string ns, string name, string statistic, string dimensions) =>
        Assert.Equal((ns, name, statistic, dimensions), (metric.Namespace, metric.MetricName, metric.Statistic, metric.DimensionText));
}
