using System.Text.Json.Nodes;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Pipeline;

public sealed class AlarmRollbackFixture
{
    public Scenario Scenario { get; } = new(Services.CrossAccount());
    public Slipway.Stacks.ServicePipelineStack Pipeline => Scenario.Services[0].Pipeline;
    public JsonObject PipelineProps => Scenario.Single(Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!.AsObject();
}

/// <summary>The hotfix path: one execution started with ROLLBACK_ON_ALARMS=false deploys while the rollback alarms fire.</summary>
public sealed class AlarmRollbackTests : IClassFixture<AlarmRollbackFixture>
{
    private readonly AlarmRollbackFixture _f;

    public AlarmRollbackTests(AlarmRollbackFixture fixture) => _f = fixture;

    private static Dictionary<string, string> Variables(JsonNode action) =>
        JsonNode.Parse(action["Configuration"]!["EnvironmentVariables"]!.GetValue<string>())!.AsArray()
            .ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!["value"]!.GetValue<string>());

    private IEnumerable<JsonObject> DeployStages() =>
        _f.PipelineProps["Stages"]!.AsArray().Select(s => s!.AsObject()).Where(s => s["Name"]!.GetValue<string>().StartsWith("Deploy-", StringComparison.Ordinal));

    [Fact]
    public void The_pipeline_declares_the_ROLLBACK_ON_ALARMS_variable_defaulting_to_true()
    {
        var variable = Assert.Single(_f.PipelineProps["Variables"]!.AsArray())!;
        Assert.Equal("ROLLBACK_ON_ALARMS", variable["Name"]!.GetValue<string>());
        Assert.Equal("true", variable["DefaultValue"]!.GetValue<string>());
    }

    [Fact]
    public void Every_deploy_stage_sets_alarm_rollback_from_the_executions_variable_before_deploying_and_restores_it_after()
    {
        var stages = DeployStages().ToList();
        Assert.Equal(new[] { "Deploy-staging", "Deploy-prod" }, stages.Select(s => s["Name"]!.GetValue<string>()));
        foreach (var stage in stages)
        {
            var environment = stage["Name"]!.GetValue<string>()["Deploy-".Length..];
            var account = environment == "staging" ? "222222222222" : "333333333333";
            var actions = stage["Actions"]!.AsArray().ToDictionary(a => a!["Name"]!.GetValue<string>(), a => a!);
            int RunOrder(string name) => actions[name]["RunOrder"]!.GetValue<int>();
            Assert.True(RunOrder("AlarmRollback") < RunOrder("Deploy"), "the switch is set before the deployment is created");
            Assert.True(RunOrder("RestoreAlarmRollback") > RunOrder("Deploy"), "the switch is set back once the deployment is over");

            var apply = Variables(actions["AlarmRollback"]);
            Assert.Equal("apply", apply["SWITCH_MODE"]);
            Assert.Equal("#{variables.ROLLBACK_ON_ALARMS}", apply["ROLLBACK_ON_ALARMS"]);
            Assert.Equal($"arn:aws:iam::{account}:role/orders-{environment}-alarms-dev", apply["TARGET_ROLE_ARN"]);
            Assert.Equal($"orders-{environment}-deploy-dev", apply["APPLICATION_NAME"]);
            Assert.Equal($"orders-{environment}-dg-dev", apply["DEPLOYMENT_GROUP"]);
            Assert.Equal("#{codepipeline.PipelineExecutionId}", apply["PIPELINE_EXECUTION_ID"]);
            Assert.Equal(actions["Deploy"]["Configuration"]!["ApplicationName"]!.GetValue<string>(), apply["APPLICATION_NAME"]);
            Assert.Equal(actions["Deploy"]["Configuration"]!["DeploymentGroupName"]!.GetValue<string>(), apply["DEPLOYMENT_GROUP"]);

            var restore = Variables(actions["RestoreAlarmRollback"]);
            Assert.Equal("restore", restore["SWITCH_MODE"]);
            Assert.False(restore.ContainsKey("ROLLBACK_ON_ALARMS"), "the restore step switches alarm rollback on whatever the variable says");
        }
    }

    [Fact]
    public void The_switch_project_announces_a_hotfix_on_the_notification_topic_and_may_publish_there()
    {
        var (projectId, project) = _f.Scenario.Resources(_f.Pipeline, "AWS::CodeBuild::Project").Single(p => p.Resource["Properties"]!["Name"]!.GetValue<string>() == "orders-alarms-dev");
        var variables = project["Properties"]!["Environment"]!["EnvironmentVariables"]!.AsArray();
        var topic = Assert.Single(variables, v => v!["Name"]!.GetValue<string>() == "TOPIC_ARN")!;
        Assert.Equal("arn:aws:sns:us-east-1:111111111111:orders-notifications-dev", Json.Render(topic["Value"]).Replace("<AWS::Partition>", "aws"));
        var statements = Json.Statements(_f.Scenario.Json(_f.Pipeline)).Where(s => s.LogicalId.StartsWith("PipelineBuildsAlarmRollbackRole", StringComparison.Ordinal)).Select(s => s.Statement).ToList();
        Assert.Contains(statements, s => Json.List(s["Action"]).Contains("sns:Publish") && Json.List(s["Resource"]).Any(r => r.Contains("Notifications", StringComparison.Ordinal)));
        var assume = Assert.Single(statements, s => s["Sid"]?.GetValue<string>() == "AssumeAlarmRollbackRoles");
        Assert.Equal(new[] { "arn:<AWS::Partition>:iam::222222222222:role/orders-staging-alarms-dev", "arn:<AWS::Partition>:iam::333333333333:role/orders-prod-alarms-dev" }, Json.List(assume["Resource"]).Order());
        Assert.StartsWith("PipelineBuildsAlarmRollback", projectId, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "staging")]
    [InlineData(1, "prod")]
    public void The_alarm_rollback_role_trusts_only_the_switch_and_may_change_only_its_deployment_group(int index, string environment)
    {
        var runtime = _f.Scenario.Services[0].Runtimes[index];
        var (roleId, role) = _f.Scenario.Resources(runtime, "AWS::IAM::Role").Single(r => r.Resource["Properties"]!["RoleName"]?.GetValue<string>() == $"orders-{environment}-alarms-dev");
        var trust = Assert.Single(role["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("arn:<AWS::Partition>:iam::111111111111:root", Json.Render(trust["Principal"]!["AWS"]));
        Assert.Equal("arn:aws:iam::111111111111:role/orders-alarms-build-dev", trust["Condition"]!["ArnEquals"]!["aws:PrincipalArn"]!.GetValue<string>());
        var allows = Json.Statements(_f.Scenario.Json(runtime)).Where(s => s.LogicalId.StartsWith(roleId[..^8], StringComparison.Ordinal))
            .Select(s => s.Statement).Where(s => s["Effect"]!.GetValue<string>() == "Allow").ToList();
        var allow = Assert.Single(allows);
        Assert.Equal(new[] { "codedeploy:GetDeploymentGroup", "codedeploy:UpdateDeploymentGroup" }, Json.List(allow["Action"]));
        Assert.Equal($"arn:<AWS::Partition>:codedeploy:us-east-1:{(index == 0 ? "222222222222" : "333333333333")}:deploymentgroup:<ServiceApplication*>/<ServiceDeploymentGroup*>",
            System.Text.RegularExpressions.Regex.Replace(Json.List(allow["Resource"]).Single(), @"<(ServiceApplication|ServiceDeploymentGroup)[A-Za-z0-9]*>", "<$1*>"));
    }
}
