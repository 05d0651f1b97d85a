using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.CodePipeline.Actions;
using Amazon.CDK.AWS.IAM;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Model;

/// <summary>
/// Each source kind binds its own action (and what it needs) into a bare CDK pipeline, without
/// ServicePipeline; and no code outside the source types switches on the kind.
/// </summary>
public sealed class PipelineSourceBindingTests
{
    private static (JsonObject Template, PipelineSourceBinding Binding) Bind(PipelineSource source)
    {
        var stack = BareStacks.Create();
        var role = new Role(stack, "PipelineRole", new RoleProps { AssumedBy = new ServicePrincipal("codepipeline.amazonaws.com") });
        var pipeline = new Amazon.CDK.AWS.CodePipeline.Pipeline(stack, "Pipeline", new PipelineProps { PipelineType = PipelineType.V2, Role = role });
        var binding = source.Bind(new PipelineSourceBindOptions
        {
            Scope = stack,
            Pipeline = pipeline,
            Output = new Artifact_("Source"),
            VariablesNamespace = "Source",
            Names = new ResourceNames("orders", null, "dev"),
            ActionRole = (id, resource) => new Role(stack, id, new RoleProps { AssumedBy = role, RoleName = "orders-" + resource }),
        });
        // A pipeline needs two stages.
        pipeline.AddStage(new StageOptions { StageName = "Hold", Actions = new IAction[] { new ManualApprovalAction(new ManualApprovalActionProps { ActionName = "Hold" }) } });
        return (BareStacks.Template(stack), binding);
    }

    private static JsonNode SourceStage(JsonObject template) =>
        Assert.Single(BareStacks.Resources(template, "AWS::CodePipeline::Pipeline")).Resource["Properties"]!["Stages"]![0]!;

    [Fact]
    public void Connection_source_adds_its_action_with_a_role_that_may_use_only_that_connection()
    {
        var (template, binding) = Bind(new GitHubConnectionSource("example-org", "orders-service", Services.ConnectionArn, "release"));

        var stage = SourceStage(template);
        Assert.Equal("Source", stage["Name"]!.GetValue<string>());
        var action = stage["Actions"]![0]!;
        Assert.Equal("CodeStarSourceConnection", action["ActionTypeId"]!["Provider"]!.GetValue<string>());
        Assert.Equal("example-org/orders-service", action["Configuration"]!["FullRepositoryId"]!.GetValue<string>());
        Assert.Equal("release", action["Configuration"]!["BranchName"]!.GetValue<string>());
        Assert.Equal("CommitId", binding.CommitVariable);
        var use = Assert.Single(Json.Statements(template), s => s.Statement["Sid"]?.GetValue<string>() == "UseConnection").Statement;
        Assert.Equal(new[] { Services.ConnectionArn }, Json.List(use["Resource"]));
    }

    [Fact]
    public void Token_source_signs_its_webhook_with_a_generated_secret_not_the_token()
    {
        var (template, binding) = Bind(new GitHubTokenSource("example-org", "orders-service", "ci/github-token"));

        Assert.Equal("GitHub", SourceStage(template)["Actions"]![0]!["ActionTypeId"]!["Provider"]!.GetValue<string>());
        Assert.NotNull(binding.WebhookSecret);
        var secret = Assert.Single(BareStacks.Resources(template, "AWS::SecretsManager::Secret"));
        var token = Json.Render(Assert.Single(BareStacks.Resources(template, "AWS::CodePipeline::Webhook")).Resource["Properties"]!["AuthenticationConfiguration"]!["SecretToken"]);
        Assert.Contains($"<{secret.LogicalId}>", token);
        Assert.DoesNotContain("ci/github-token", token);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void CodeCommit_source_creates_its_repository_only_when_asked(bool create, int repositories)
    {
        var (template, binding) = Bind(new CodeCommitSource("orders-repo", create));

        Assert.Equal(repositories, BareStacks.Resources(template, "AWS::CodeCommit::Repository").Count());
        Assert.Equal("CodeCommit", SourceStage(template)["Actions"]![0]!["ActionTypeId"]!["Provider"]!.GetValue<string>());
        Assert.Equal("CommitId", binding.CommitVariable);
    }

    [Fact]
    public void S3_source_creates_a_bucket_and_starts_the_pipeline_on_new_versions_of_the_key()
    {
        var (template, binding) = Bind(new S3Source("orders/source.zip"));

        var bucket = Assert.Single(BareStacks.Resources(template, "AWS::S3::Bucket"), b => b.LogicalId.StartsWith("SourceBucket", StringComparison.Ordinal));
        Assert.Equal("orders-source-111111111111-dev", bucket.Resource["Properties"]!["BucketName"]!.GetValue<string>());
        var rule = Assert.Single(BareStacks.Resources(template, "AWS::Events::Rule")).Resource["Properties"]!;
        Assert.Equal("orders/source.zip", rule["EventPattern"]!["detail"]!["object"]!["key"]![0]!.GetValue<string>());
        Assert.Equal("VersionId", binding.CommitVariable);
    }

    [Fact]
    public void No_code_outside_the_source_types_switches_on_the_source_kind()
    {
        // PipelineValidation (the model's checks of each kind) is the one other place allowed.
        var allowed = new[] { "src/Slipway/Model/PipelineSource.cs", "src/Slipway/Model/PipelineValidation.cs" };
        var kind = new Regex(@"(case|is)\s+(GitHubConnectionSource|GitHubTokenSource|CodeCommitSource|S3Source)\b|(GitHubConnectionSource|GitHubTokenSource|CodeCommitSource|S3Source)\s*(=>|\w+\s*=>)");
        var offenders = Directory.EnumerateFiles(Slipway.Tests.TestSupport.Repository.PathOf("src/Slipway"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Slipway.Tests.TestSupport.Repository.Root, f).Replace('\\', '/'))
            .Where(f => !allowed.Contains(f) && kind.IsMatch(File.ReadAllText(Slipway.Tests.TestSupport.Repository.PathOf(f))))
            .ToList();

        Assert.Empty(offenders);
    }
}
