using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.KMS;
using Slipway.Conventions;
using Slipway.Observability;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Observability;

/// <summary>A bare stack with an existing pipeline, project and key: <see cref="PipelineObservability"/> alone, with its narrow props only.</summary>
public static class StandaloneObservability
{
    public const string PipelineArn = "arn:aws:codepipeline:us-east-1:111111111111:orders-pipeline-dev";
    public const string TopicKeyArn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    public static (Stack Stack, IPipeline Pipeline) BareStack(bool withEnvironment = true)
    {
        var stack = BareStacks.Create(withEnvironment: withEnvironment);
        return (stack, Amazon.CDK.AWS.CodePipeline.Pipeline.FromPipelineArn(stack, "Existing", PipelineArn));
    }

    public static PipelineObservabilityProps Props(IPipeline pipeline, string? failureTopicArn = null, IKey? topicKey = null,
        IReadOnlyList<IProject>? projects = null, SlipwayTags? tags = null) => new()
    {
        Pipeline = pipeline,
        Names = new ResourceNames("orders", null, "dev"),
        Environments = new[]
        {
            new PipelineEnvironment("staging", "222222222222", "us-east-1", "Deploy-staging"),
            new PipelineEnvironment("prod", "333333333333", "eu-west-1", "Deploy-prod", Production: true),
        },
        FailureTopicArn = failureTopicArn,
        TopicKey = topicKey,
        Projects = projects ?? Array.Empty<IProject>(),
        Tags = tags,
    };
}

public sealed class StandaloneObservabilityTests
{
    [Fact]
    public void Observes_an_existing_pipeline_and_creates_no_pipeline_project_or_runtime_dashboard()
    {
        var (stack, pipeline) = StandaloneObservability.BareStack();
        var project = Project.FromProjectName(stack, "ExistingBuild", "orders-image-build-dev");

        new PipelineObservability(stack, "Observability", StandaloneObservability.Props(pipeline, projects: new[] { project }));

        var template = BareStacks.Template(stack);
        Assert.Empty(Resources(template, "AWS::CodePipeline::Pipeline"));
        Assert.Empty(Resources(template, "AWS::CodeBuild::Project"));
        // Every rule listens to the given pipeline only (CodePipeline puts its ARN in `resources`).
        var rules = Resources(template, "AWS::Events::Rule").ToList();
        Assert.Equal(5, rules.Count);
        Assert.All(rules, rule => Assert.Equal(StandaloneObservability.PipelineArn,
            Assert.Single(rule["Properties"]!["EventPattern"]!["resources"]!.AsArray())!.GetValue<string>()));
        // The collector's config names the pipeline by its ARN's name, each environment by its stage.
        var function = Assert.Single(Resources(template, "AWS::Lambda::Function"));
        var config = JsonNode.Parse(function["Properties"]!["Environment"]!["Variables"]!["SLIPWAY_CONFIG"]!.GetValue<string>())!;
        Assert.Equal("""{"service":"orders","stages":{"Deploy-staging":"staging","Deploy-prod":"prod"},"productionEnvironment":"prod"}""",
            config["pipelines"]!["orders-pipeline-dev"]!.ToJsonString());
        // The dashboard graphs the given project.
        var body = Json.Render(Assert.Single(Resources(template, "AWS::CloudWatch::Dashboard"))["Properties"]!["DashboardBody"]);
        Assert.Contains("\"ProjectName\",\"orders-image-build-dev\"", body);
    }

    [Fact]
    public void Creates_a_topic_key_unless_one_is_given()
    {
        var (stack, pipeline) = StandaloneObservability.BareStack();
        var (given, givenPipeline) = StandaloneObservability.BareStack();

        new PipelineObservability(stack, "Observability", StandaloneObservability.Props(pipeline));
        new PipelineObservability(given, "Observability", StandaloneObservability.Props(givenPipeline,
            topicKey: Key.FromKeyArn(given, "TopicKey", StandaloneObservability.TopicKeyArn)));

        var created = BareStacks.Template(stack);
        var key = Assert.Single(BareStacks.Resources(created, "AWS::KMS::Key"), k => k.LogicalId.StartsWith("ObservabilityTopicKey", StringComparison.Ordinal));
        var topic = Assert.Single(Resources(created, "AWS::SNS::Topic"));
        Assert.Equal(key.LogicalId, topic["Properties"]!["KmsMasterKeyId"]!["Fn::GetAtt"]![0]!.GetValue<string>());
        var imported = BareStacks.Template(given);
        Assert.DoesNotContain(BareStacks.Resources(imported, "AWS::KMS::Key"), k => k.LogicalId.StartsWith("Observability", StringComparison.Ordinal));
        var givenTopic = Assert.Single(Resources(imported, "AWS::SNS::Topic"));
        Assert.Equal(StandaloneObservability.TopicKeyArn, givenTopic["Properties"]!["KmsMasterKeyId"]!.GetValue<string>());
    }

    [Fact]
    public void Tags_what_it_creates_when_used_on_its_own()
    {
        var (stack, pipeline) = StandaloneObservability.BareStack();

        new PipelineObservability(stack, "Observability", StandaloneObservability.Props(pipeline));

        var template = BareStacks.Template(stack);
        foreach (var type in new[] { "AWS::SNS::Topic", "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::IAM::Role", "AWS::KMS::Key" })
        {
            // Everything under the construct (the stack's own log key is the stack's).
            var resources = BareStacks.Resources(template, type).Where(r => r.LogicalId.StartsWith("Observability", StringComparison.Ordinal)).Select(r => r.Resource).ToList();
            Assert.NotEmpty(resources);
            Assert.All(resources, resource => Assert.Equal(BareStacks.StandaloneTags, BareStacks.SlipwayTagsOf(resource)));
        }
    }

    [Fact]
    public void Env_agnostic_stack_is_refused_with_the_construct_the_missing_values_and_the_fix()
    {
        var (stack, pipeline) = StandaloneObservability.BareStack(withEnvironment: false);

        var error = Assert.Throws<SlipwayValidationException>(() =>
            new PipelineObservability(stack, "Observability", StandaloneObservability.Props(pipeline)));

        Assert.Equal(
            "Tooling/Observability: Env.Account and Env.Region of the stack Tooling are not set: PipelineObservability needs the stack's account and region (the ARNs its rules, metrics and alarms read). " +
            "Create the stack with them, for example new Stack(app, \"Orders\", new StackProps { Env = new Amazon.CDK.Environment { Account = \"123456789012\", Region = \"us-east-1\" } }).",
            error.Message);
    }

    private static IEnumerable<JsonObject> Resources(JsonObject template, string type) =>
        BareStacks.Resources(template, type).Select(r => r.Resource);
}
