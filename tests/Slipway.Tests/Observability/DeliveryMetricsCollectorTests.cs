using System.Text.Json.Nodes;
using Amazon.CDK.AWS.Events;
using Slipway.Observability;
using Slipway.Runtime;
using Slipway.Tests.Observability.Support;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Tests.Observability;

[Collection(ObservabilityCollection.Name)]
public sealed class DeliveryMetricsCollectorTests(ObservabilityScenario s)
{
    private DeliveryMetricsCollector Orders => s.Orders.Pipeline.Observability.Collector;
    private DeliveryMetricsCollector Payments => s.Payments.Pipeline.Observability.Collector;

    [Fact]
    public void Function_runs_the_embedded_handler_on_nodejs22_arm64_with_small_limits()
    {
        var function = s.Properties(Orders.Function);

        Assert.Equal("nodejs22.x", function["Runtime"]!.GetValue<string>());
        Assert.Equal("arm64", Assert.Single(function["Architectures"]!.AsArray())!.GetValue<string>());
        Assert.Equal("index.handler", function["Handler"]!.GetValue<string>());
        Assert.InRange(function["MemorySize"]!.GetValue<int>(), 128, 256);
        Assert.Equal(30, function["Timeout"]!.GetValue<int>());
        Assert.Equal("orders-delivery-metrics-dev", function["FunctionName"]!.GetValue<string>());
        Assert.Equal(ObservabilityScenario.LogicalId(Orders.StateTable), function["Environment"]!["Variables"]!["SLIPWAY_STATE_TABLE"]!["Ref"]!.GetValue<string>());
    }

    [Fact]
    public void Function_logs_to_its_own_log_group_with_the_service_retention()
    {
        var function = s.Properties(Orders.Function);
        var logGroup = s.Properties(Orders.LogGroup);

        Assert.Equal(ObservabilityScenario.LogicalId(Orders.LogGroup), function["LoggingConfig"]!["LogGroup"]!["Ref"]!.GetValue<string>());
        Assert.Equal("/slipway/orders-delivery-metrics-dev", logGroup["LogGroupName"]!.GetValue<string>());
        Assert.Equal(30, logGroup["RetentionInDays"]!.GetValue<int>());
        Assert.Equal("Delete", s.Resource(Orders.LogGroup)["DeletionPolicy"]!.GetValue<string>());
    }

    [Fact]
    public void Config_maps_each_deploy_stage_to_its_environment_and_names_production()
    {
        var config = Config(Orders);

        Assert.Equal(
            """{"namespace":"Slipway/Delivery","pipelines":{"orders-pipeline-dev":{"service":"orders","stages":{"Deploy-staging":"staging","Deploy-prod":"prod"},"productionEnvironment":"prod"}},"deploymentGroups":{}}""",
            config.ToJsonString());
    }

    [Fact]
    public void Config_stages_are_the_pipeline_stages_that_deploy_with_CodeDeploy()
    {
        var stages = Config(Orders)["pipelines"]![ObservabilityScenario.OrdersPipelineName]!["stages"]!.AsObject();
        var pipeline = s.Properties(s.Orders.Pipeline.Pipeline.Pipeline);

        var codeDeployStages = pipeline["Stages"]!.AsArray()
            .Where(stage => stage!["Actions"]!.AsArray().Any(a => a!["ActionTypeId"]!["Provider"]!.GetValue<string>() == "CodeDeployToECS"
                                                                 && a["ActionTypeId"]!["Category"]!.GetValue<string>() == "Deploy"))
            .Select(stage => stage!["Name"]!.GetValue<string>());
        Assert.Equal(codeDeployStages, stages.Select(p => p.Key));
        // The events carry the pipeline's physical name.
        Assert.Equal(ObservabilityScenario.OrdersPipelineName, pipeline["Name"]!.GetValue<string>());
    }

    [Fact]
    public void Config_counts_the_last_environment_as_production_when_none_is_marked()
    {
        var pipeline = Config(Payments)["pipelines"]![ObservabilityScenario.PaymentsPipelineName]!;

        Assert.Equal("live", pipeline["productionEnvironment"]!.GetValue<string>());
        Assert.Equal("""{"Deploy-qa":"qa","Deploy-live":"live"}""", pipeline["stages"]!.ToJsonString());
    }

    [Fact]
    public void Production_is_the_first_production_environment_in_promotion_order()
    {
        var definition = Services.SingleAccount(envs =>
        {
            envs.Insert(1, new DeploymentTarget { Name = "prod-eu", Account = Services.Tooling, Region = "eu-west-1", Production = true });
        });

        var environments = definition.Environments.Select(e => new PipelineEnvironment(e.Name, e.Account, e.Region, "Deploy-" + e.Name, e.IsProduction)).ToList();

        Assert.Equal("prod-eu", PipelineEnvironment.ProductionOf(environments).Name);
    }

    [Fact]
    public void State_table_has_the_key_and_ttl_the_store_expects_and_is_destroyable()
    {
        var table = s.Properties(Orders.StateTable);

        Assert.Equal("""[{"AttributeName":"pk","KeyType":"HASH"}]""", table["KeySchema"]!.ToJsonString());
        Assert.Equal("""[{"AttributeName":"pk","AttributeType":"S"}]""", table["AttributeDefinitions"]!.ToJsonString());
        Assert.Equal("""{"AttributeName":"expiresAt","Enabled":true}""", table["TimeToLiveSpecification"]!.ToJsonString());
        Assert.Equal("PAY_PER_REQUEST", table["BillingMode"]!.GetValue<string>());
        Assert.True(table["PointInTimeRecoverySpecification"]!["PointInTimeRecoveryEnabled"]!.GetValue<bool>());
        // AWS-managed encryption: SSE on, no customer key.
        Assert.Equal("""{"SSEEnabled":true}""", table["SSESpecification"]!.ToJsonString());
        Assert.Equal("orders-delivery-state-dev", table["TableName"]!.GetValue<string>());
        Assert.Equal("Delete", s.Resource(Orders.StateTable)["DeletionPolicy"]!.GetValue<string>());
    }

    [Fact]
    public void Role_may_write_its_log_group_and_put_get_delete_table_items_and_nothing_else()
    {
        var roleId = ObservabilityScenario.LogicalId(Orders.Role);
        var statements = s.Resources(s.Orders.Pipeline, "AWS::IAM::Policy")
            .Where(p => p.Resource["Properties"]!["Roles"]!.AsArray().Any(r => r!["Ref"]?.GetValue<string>() == roleId))
            .SelectMany(p => p.Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Select(st => st!.AsObject())
            .ToList();

        Assert.Equal(2, statements.Count);
        var logs = statements.Single(st => st["Action"]!.ToJsonString().Contains("logs:", StringComparison.Ordinal));
        Assert.Equal("""["logs:CreateLogStream","logs:PutLogEvents"]""", logs["Action"]!.ToJsonString());
        Assert.Equal(ObservabilityScenario.LogicalId(Orders.LogGroup), logs["Resource"]!["Fn::GetAtt"]![0]!.GetValue<string>());
        var dynamo = statements.Single(st => st["Action"]!.ToJsonString().Contains("dynamodb:", StringComparison.Ordinal));
        Assert.Equal("""["dynamodb:PutItem","dynamodb:GetItem","dynamodb:DeleteItem"]""", dynamo["Action"]!.ToJsonString());
        var resources = dynamo["Resource"]!.AsArray().Where(r => r!["Ref"]?.GetValue<string>() != "AWS::NoValue").ToList();
        Assert.Equal(ObservabilityScenario.LogicalId(Orders.StateTable), Assert.Single(resources)!["Fn::GetAtt"]![0]!.GetValue<string>());
        Assert.All(statements, st => Assert.Equal("Allow", st["Effect"]!.GetValue<string>()));

        var role = s.Properties(Orders.Role);
        Assert.Null(role["ManagedPolicyArns"]);
        Assert.Equal("lambda.amazonaws.com", role["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Service"]!.GetValue<string>());
    }

    [Fact]
    public void Pipeline_rule_sends_every_execution_event_of_this_pipeline_and_nothing_else()
    {
        var pattern = EventRules.Pattern(s, Orders.PipelineExecutionRule);

        foreach (var name in RecordedEvents.Names)
        {
            var recorded = RecordedEvents.Load(name);
            var expected = recorded["detail-type"]!.GetValue<string>() == PipelineNotifications.PipelineExecutionEvent
                           && recorded["detail"]!["pipeline"]!.GetValue<string>() == RecordedEvents.RecordedPipeline;
            Assert.True(expected == EventPatternMatcher.Matches(pattern, RecordedEvents.LoadFor(name, ObservabilityScenario.OrdersPipelineName)),
                $"{name} should {(expected ? "" : "not ")}match");
        }
        AssertTargetsFunction(Orders.PipelineExecutionRule);
    }

    [Fact]
    public void Deploy_rule_sends_only_CodeDeploy_blue_green_actions_of_this_pipeline()
    {
        var pattern = EventRules.Pattern(s, Orders.DeployActionRule);
        var matching = new[]
        {
            "success-03-action-dev-deploy-started", "success-04-action-dev-deploy-succeeded", "success-05-action-prod-deploy-started",
            "success-06-action-prod-deploy-succeeded", "failure-02-action-prod-deploy-started", "failure-03-action-prod-deploy-failed",
            "failure-05-action-prod-deploy-failed-again", "restore-02-action-prod-deploy-started", "restore-03-action-prod-deploy-succeeded",
        };

        foreach (var name in RecordedEvents.Names)
        {
            Assert.True(matching.Contains(name) == EventPatternMatcher.Matches(pattern, RecordedEvents.LoadFor(name, ObservabilityScenario.OrdersPipelineName)),
                $"{name} should {(matching.Contains(name) ? "" : "not ")}match");
        }
        Assert.False(EventPatternMatcher.Matches(pattern, RecordedEvents.Load("success-06-action-prod-deploy-succeeded")), "another pipeline's deploy");
        AssertTargetsFunction(Orders.DeployActionRule);
    }

    [Fact]
    public void Lambda_runtime_suppression_says_why()
    {
        var suppression = Assert.Single(s.Resource(Orders.Function)["Metadata"]!["cdk_nag"]!["rules_to_suppress"]!.AsArray());

        Assert.Equal("AwsSolutions-L1", suppression!["id"]!.GetValue<string>());
        Assert.Contains("nodejs20.x", suppression["reason"]!.GetValue<string>());
    }

    [Fact]
    public void Function_reserves_no_concurrency_so_it_deploys_in_accounts_with_the_new_account_quota()
    {
        // Lambda keeps 100 unreserved: any reservation fails where the account's quota is 10.
        Assert.False(s.Properties(Orders.Function).ContainsKey("ReservedConcurrentExecutions"));
        Assert.False(s.Properties(Payments.Function).ContainsKey("ReservedConcurrentExecutions"));
    }

    [Fact]
    public void Reserves_the_concurrency_asked_for()
    {
        var (stack, pipeline) = CollectorStack();

        new DeliveryMetricsCollector(stack, "Collector", CollectorProps(pipeline, reservedConcurrency: 3));

        Amazon.CDK.Assertions.Template.FromStack(stack).HasResourceProperties("AWS::Lambda::Function", new Dictionary<string, object>
        {
            ["FunctionName"] = "orders-delivery-metrics-dev",
            ["ReservedConcurrentExecutions"] = 3,
        });
    }

    [Theory]
    [InlineData(50, "deliveryMetrics.reservedConcurrency: 50 must be from 1 to 10, or left unset for no reservation (the default). A pipeline sends a few events a minute; 0 would throttle every one.")]
    [InlineData(0, "deliveryMetrics.reservedConcurrency: 0 must be from 1 to 10, or left unset for no reservation (the default). A pipeline sends a few events a minute; 0 would throttle every one.")]
    public void Rejects_a_reserved_concurrency_outside_one_to_ten(int reserved, string message)
    {
        var (stack, pipeline) = CollectorStack();

        var error = Assert.Throws<Slipway.Conventions.SlipwayValidationException>(() =>
            new DeliveryMetricsCollector(stack, "Collector", CollectorProps(pipeline, reserved)));

        Assert.Equal(message, error.Message);
    }

    // A bare stack with an existing pipeline: the collector alone, with only its narrow props.
    private static (Amazon.CDK.Stack Stack, Amazon.CDK.AWS.CodePipeline.IPipeline Pipeline) CollectorStack()
    {
        var app = new Amazon.CDK.App();
        var stack = new Amazon.CDK.Stack(app, "S", new Amazon.CDK.StackProps { Env = new Amazon.CDK.Environment { Account = Services.Tooling, Region = "us-east-1" } });
        var pipeline = Amazon.CDK.AWS.CodePipeline.Pipeline.FromPipelineArn(stack, "Pipeline", $"arn:aws:codepipeline:us-east-1:{Services.Tooling}:orders-pipeline-dev");
        return (stack, pipeline);
    }

    private static DeliveryMetricsCollectorProps CollectorProps(Amazon.CDK.AWS.CodePipeline.IPipeline pipeline, int? reservedConcurrency) => new()
    {
        Pipeline = pipeline,
        ReservedConcurrency = reservedConcurrency,
        Names = new Slipway.Conventions.ResourceNames("orders", null, "dev"),
        Environments = new[] { new PipelineEnvironment("prod", Services.Tooling, "us-east-1", "Deploy-prod", Production: true) },
    };

    private JsonObject Config(DeliveryMetricsCollector collector) =>
        JsonNode.Parse(s.Properties(collector.Function)["Environment"]!["Variables"]!["SLIPWAY_CONFIG"]!.GetValue<string>())!.AsObject();

    private void AssertTargetsFunction(Rule rule)
    {
        var target = Assert.Single(EventRules.Targets(s, rule));
        var functionId = ObservabilityScenario.LogicalId(Orders.Function);
        Assert.Equal(functionId, target["Arn"]!["Fn::GetAtt"]![0]!.GetValue<string>());
        var ruleId = ObservabilityScenario.LogicalId(rule);
        Assert.Contains(s.Resources(s.Orders.Pipeline, "AWS::Lambda::Permission"), p =>
            p.Resource["Properties"]!["SourceArn"]!["Fn::GetAtt"]![0]!.GetValue<string>() == ruleId
            && p.Resource["Properties"]!["Principal"]!.GetValue<string>() == "events.amazonaws.com");
    }
}
