using System.Text.Json.Nodes;
using Amazon.CDK;
using Constructs;
using Slipway.Build;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Tests.Observability.Support;

/// <summary>
/// One app, synthesized once for every observability test class, with two services:
/// <list type="bullet">
/// <item><c>orders</c>: single account, in the recorded events' account and region, staging then
/// prod (approval), notification emails and an existing failure topic.</item>
/// <item><c>payments</c>: cross-account (qa, live), no emails, no failure topic, and no environment
/// marked production (so the last one counts as production).</item>
/// </list>
/// </summary>
public sealed class ObservabilityScenario
{
    public const string FailureTopicArn = "arn:aws:sns:eu-west-1:111111111111:chatops-failures";
    public const string OrdersPipelineName = "orders-pipeline-dev";
    public const string PaymentsPipelineName = "payments-pipeline-dev";

    public ObservabilityScenario()
    {
        Scenario = new Scenario(OrdersDefinition(), PaymentsDefinition());
    }

    public Scenario Scenario { get; }

    /// <summary>The single-account service's stacks.</summary>
    public ServiceStacks Orders => Scenario.Services[0];

    /// <summary>The cross-account service's stacks.</summary>
    public ServiceStacks Payments => Scenario.Services[1];

    /// <summary>The raw template of <paramref name="stack"/>.</summary>
    public JsonObject Json(Stack stack) => Scenario.Json(stack);

    /// <summary>Renders intrinsics of <paramref name="stack"/>'s template.</summary>
    public CfnText Text(Stack stack) => new(Json(stack), stack.Account, stack.Region);

    /// <summary>The logical id of <paramref name="construct"/>'s CloudFormation resource.</summary>
    public static string LogicalId(IConstruct construct) =>
        Stack.Of(construct).GetLogicalId((CfnElement)(construct as CfnElement ?? construct.Node.DefaultChild!));

    /// <summary>The template JSON of <paramref name="construct"/>'s CloudFormation resource.</summary>
    public JsonObject Resource(IConstruct construct) =>
        Json(Stack.Of(construct))["Resources"]![LogicalId(construct)]!.AsObject();

    /// <summary>The properties of <paramref name="construct"/>'s CloudFormation resource.</summary>
    public JsonObject Properties(IConstruct construct) => Resource(construct)["Properties"]!.AsObject();

    /// <summary>The resources of <paramref name="type"/> in <paramref name="stack"/>.</summary>
    public IEnumerable<(string LogicalId, JsonObject Resource)> Resources(Stack stack, string type) => Scenario.Resources(stack, type);

    /// <summary>The statements of the topic policy of <paramref name="topic"/>.</summary>
    public IReadOnlyList<JsonObject> TopicPolicyStatements(Amazon.CDK.AWS.SNS.Topic topic)
    {
        var topicId = LogicalId(topic);
        var policy = Resources(Stack.Of(topic), "AWS::SNS::TopicPolicy")
            .Single(r => r.Resource["Properties"]!["Topics"]!.AsArray().Any(t => t!["Ref"]?.GetValue<string>() == topicId));
        return policy.Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Select(x => x!.AsObject()).ToList();
    }

    /// <summary>The service principal of a policy statement, or null for any other principal.</summary>
    public static string? ServicePrincipal(JsonNode? statement) =>
        statement?["Principal"] is JsonObject principal ? principal["Service"]?.GetValue<string>() : null;

    private static ServiceDefinition OrdersDefinition() => new()
    {
        Name = "orders",
        Project = "storefront",
        CostCenter = "cc-1234",
        Source = new GitHubConnectionSource("example-org", "orders-service", Services.ConnectionArn),
        Build = new BuildSettings
        {
            UnitTests = new CheckSettings { Preset = CheckPreset.Python },
            StaticAnalysis = new CheckSettings { Preset = CheckPreset.Bandit },
        },
        Notifications = new NotificationSettings
        {
            ApprovalEmails = new[] { "releases@example.com" },
            Emails = new[] { "team@example.com", "oncall@example.com" },
            FailureTopicArn = FailureTopicArn,
        },
        Environments = new List<DeploymentTarget>
        {
            new()
            {
                Name = "staging", Account = RecordedEvents.Account, Region = RecordedEvents.Region,
                IntegrationTests = new IntegrationTestSettings { Command = new[] { "python", "integration/run_integration.py" } },
            },
            new() { Name = "prod", Account = RecordedEvents.Account, Region = RecordedEvents.Region },
        },
    };

    private static ServiceDefinition PaymentsDefinition() => new()
    {
        Name = "payments",
        CostCenter = "cc-5678",
        PipelineAccount = Services.Tooling,
        PipelineRegion = "us-east-1",
        Source = new GitHubConnectionSource("example-org", "payments-service", Services.ConnectionArn),
        Environments = new List<DeploymentTarget>
        {
            new() { Name = "qa", Account = Services.Staging, Region = "us-east-1" },
            new() { Name = "live", Account = Services.Production, Region = "us-east-1" },
        },
    };
}

/// <summary>Test classes in this collection share one <see cref="ObservabilityScenario"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ObservabilityCollection : ICollectionFixture<ObservabilityScenario>
{
    public const string Name = "Observability scenario";
}
