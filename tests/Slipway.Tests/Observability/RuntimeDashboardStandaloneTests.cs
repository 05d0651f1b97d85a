using Slipway.Observability;
using Slipway.Tests.Runtime;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Observability;

/// <summary><see cref="RuntimeDashboard"/> alone in a bare stack, given the service's parts and alarms by interface.</summary>
[Collection(StandaloneRuntimeCollection.Name)]
public sealed class RuntimeDashboardStandaloneTests(StandaloneRuntimeScenario s)
{
    [Fact]
    public void The_given_rollback_alarms_notify_its_encrypted_topic_on_alarm_and_ok()
    {
        var topic = $"<{s.LogicalId(s.Dashboard.AlarmTopic)}>";
        Assert.Equal(4, s.Service.RollbackAlarms.Count);
        foreach (var alarm in s.Service.RollbackAlarms)
        {
            var props = s.Properties(alarm);
            Assert.Equal(topic, Json.Render(Assert.Single(props["AlarmActions"]!.AsArray())));
            Assert.Equal(topic, Json.Render(Assert.Single(props["OKActions"]!.AsArray())));
        }
        Assert.Equal($"<{s.LogicalId(s.Dashboard.AlarmTopicKey)}.Arn>", Json.Render(s.Properties(s.Dashboard.AlarmTopic)["KmsMasterKeyId"]));
        var subscription = Assert.Single(s.Resources("AWS::SNS::Subscription")).Resource["Properties"]!;
        Assert.Equal(("email", "orders-team@example.com"), (subscription["Protocol"]!.GetValue<string>(), subscription["Endpoint"]!.GetValue<string>()));
        // Its own alarms: none (the four are the service's).
        Assert.Equal(4, s.Resources("AWS::CloudWatch::Alarm").Count());
    }

    [Fact]
    public void The_dashboard_is_named_by_convention_and_its_topic_and_key_carry_slipway_tags()
    {
        Assert.Equal("orders-staging-runtime-dev", s.Properties(s.Dashboard.Dashboard)["DashboardName"]!.GetValue<string>());
        foreach (var construct in new Constructs.IConstruct[] { s.Dashboard.AlarmTopic, s.Dashboard.AlarmTopicKey })
        {
            Assert.Equal("CostCenter=unassigned Environment=staging ManagedBy=slipway Project=orders Service=orders",
                string.Join(" ", s.Properties(construct)["Tags"]!.AsArray().Select(t => $"{t!["Key"]}={t["Value"]}").Order(StringComparer.Ordinal)));
        }
    }
}
