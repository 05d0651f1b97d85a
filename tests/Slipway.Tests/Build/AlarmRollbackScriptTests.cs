using System.Diagnostics;
using Slipway.Build;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Build;

/// <summary>alarm-rollback.sh, run for real by bash against a fake AWS CLI that records its calls.</summary>
public sealed class AlarmRollbackScriptTests
{
    private const string Alarms = "orders-prod-blue-5xx-dev\torders-prod-green-5xx-dev";

    // A fake `aws`: records each call's arguments (one line, NUL-free), answers assume-role and
    // get-deployment-group in the --query/--output text shapes the script asks for.
    private const string FakeAws = """
        #!/usr/bin/env bash
        printf '%s\n' "$*" >> "$AWS_CALLS"
        case "$1 $2" in
          "sts assume-role") printf 'AKIAFAKE\tsecret\ttoken\n' ;;
          "deploy get-deployment-group") printf '%s\n' "$FAKE_ALARMS" ;;
        esac
        """;

    private static (int Exit, string Output, string[] Calls) Run(Dictionary<string, string> env)
    {
        var dir = GeneratedManifest.TemporaryDirectory("alarm-rollback");
        var bin = Path.Combine(dir, "bin");
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "aws"), FakeAws.Replace("\r", ""));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(bin, "aws"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var script = Path.Combine(dir, "alarm-rollback.sh");
        File.WriteAllText(script, BuildProjects.AlarmRollbackScript.Value);
        var calls = Path.Combine(dir, "calls");
        var start = new ProcessStartInfo("bash", new[] { script }) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment.Clear();
        start.Environment["PATH"] = $"{bin}:/usr/bin:/bin";
        start.Environment["AWS_CALLS"] = calls;
        start.Environment["FAKE_ALARMS"] = Alarms;
        var defaults = new Dictionary<string, string>
        {
            ["TARGET_ROLE_ARN"] = "arn:aws:iam::333333333333:role/orders-prod-alarms-dev",
            ["TARGET_REGION"] = "us-east-1",
            ["APPLICATION_NAME"] = "orders-prod-deploy-dev",
            ["DEPLOYMENT_GROUP"] = "orders-prod-dg-dev",
            ["ENVIRONMENT_NAME"] = "prod",
            ["TOPIC_ARN"] = "arn:aws:sns:us-east-1:111111111111:orders-notifications-dev",
            ["PIPELINE_NAME"] = "orders-pipeline-dev",
            ["PIPELINE_EXECUTION_ID"] = "0f1e2d3c-aaaa-bbbb-cccc-123456789012",
        };
        foreach (var (k, v) in defaults.Concat(env))
        {
            start.Environment[k] = v;
        }
        using var bash = Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEnd() + bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        return (bash.ExitCode, output, File.Exists(calls) ? File.ReadAllLines(calls) : Array.Empty<string>());
    }

    private const string AlarmList = "[{\"name\":\"orders-prod-blue-5xx-dev\"},{\"name\":\"orders-prod-green-5xx-dev\"}]";

    [Fact]
    public void A_hotfix_execution_turns_alarm_rollback_off_keeping_the_alarm_list_and_announces_it()
    {
        var (exit, output, calls) = Run(new() { ["SWITCH_MODE"] = "apply", ["ROLLBACK_ON_ALARMS"] = "false" });
        Assert.True(exit == 0, output);
        Assert.StartsWith("sts assume-role --role-arn arn:aws:iam::333333333333:role/orders-prod-alarms-dev", calls[0]);
        Assert.Equal("deploy get-deployment-group --region us-east-1 --application-name orders-prod-deploy-dev --deployment-group-name orders-prod-dg-dev --query deploymentGroupInfo.alarmConfiguration.alarms[].name --output text", calls[1]);
        Assert.Equal("deploy update-deployment-group --region us-east-1 --application-name orders-prod-deploy-dev --current-deployment-group-name orders-prod-dg-dev " +
            $"--alarm-configuration {{\"enabled\":false,\"ignorePollAlarmFailure\":false,\"alarms\":{AlarmList}}}", calls[2]);
        var publish = Assert.Single(calls, c => c.StartsWith("sns publish", StringComparison.Ordinal));
        Assert.StartsWith("sns publish --topic-arn arn:aws:sns:us-east-1:111111111111:orders-notifications-dev --subject HOTFIX: prod deploys without alarm rollback --message ", publish);
        Assert.Contains("CodePipeline orders-pipeline-dev: execution 0f1e2d3c-aaaa-bbbb-cccc-123456789012 deploys to prod WITHOUT alarm-based rollback (pipeline variable ROLLBACK_ON_ALARMS=false)", publish);
        Assert.Contains("https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/orders-pipeline-dev/executions/0f1e2d3c-aaaa-bbbb-cccc-123456789012/timeline?region=us-east-1", publish);
        Assert.Contains("alarm-based rollback is OFF for this execution", output);
    }

    [Theory]
    [InlineData("apply", "true")]
    [InlineData("restore", "")]
    public void An_ordinary_execution_and_the_restore_step_turn_alarm_rollback_on_without_a_notification(string mode, string variable)
    {
        var (exit, output, calls) = Run(new() { ["SWITCH_MODE"] = mode, ["ROLLBACK_ON_ALARMS"] = variable });
        Assert.True(exit == 0, output);
        Assert.Contains(calls, c => c.EndsWith($"--alarm-configuration {{\"enabled\":true,\"ignorePollAlarmFailure\":false,\"alarms\":{AlarmList}}}", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("sns ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("False")]
    [InlineData("")]
    [InlineData("no")]
    public void A_variable_other_than_true_or_false_stops_before_any_call_naming_the_variable(string variable)
    {
        var (exit, output, calls) = Run(new() { ["SWITCH_MODE"] = "apply", ["ROLLBACK_ON_ALARMS"] = variable });
        Assert.Equal(2, exit);
        Assert.Contains($"pipeline variable ROLLBACK_ON_ALARMS is '{variable}': start the execution with true (the default) or false", output);
        Assert.Empty(calls);
    }

    [Fact]
    public void A_deployment_group_without_alarms_fails_without_updating_it()
    {
        var (exit, output, calls) = Run(new() { ["SWITCH_MODE"] = "apply", ["ROLLBACK_ON_ALARMS"] = "false", ["FAKE_ALARMS"] = "None" });
        Assert.Equal(1, exit);
        Assert.Contains("has no rollback alarms", output);
        Assert.DoesNotContain(calls, c => c.Contains("update-deployment-group", StringComparison.Ordinal) || c.StartsWith("sns ", StringComparison.Ordinal));
    }
}
