using Slipway.Pipeline;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Tests.Model;

public sealed class PipelineSourceFixture
{
    private static ServiceDefinition With(string name, PipelineSource source) => new()
    {
        Name = name,
        Source = source,
        Environments = new[] { new Slipway.Model.DeploymentTarget { Name = "dev", Account = Services.Tooling, Region = "us-east-1" } },
    };

    // One app with the three other source kinds, each as its own service.
    public Scenario Scenario { get; } = new(
        With("token", new GitHubTokenSource("example-org", "orders", "ci/github-token")),
        With("commit", new CodeCommitSource("orders-repo")),
        With("upload", new S3Source("orders/source.zip")));
}

public sealed class PipelineSourceTests : IClassFixture<PipelineSourceFixture>
{
    private readonly PipelineSourceFixture _f;

    public PipelineSourceTests(PipelineSourceFixture fixture) => _f = fixture;

    private System.Text.Json.Nodes.JsonNode SourceAction(int service) =>
        _f.Scenario.Single(_f.Scenario.Services[service].Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]![0]!["Actions"]![0]!;

    [Fact]
    public void Oauth_token_is_a_secrets_manager_reference_never_the_token()
    {
        var action = SourceAction(0);
        Assert.Equal("GitHub", action["ActionTypeId"]!["Provider"]!.GetValue<string>());
        Assert.Equal("{{resolve:secretsmanager:ci/github-token:SecretString:::}}", action["Configuration"]!["OAuthToken"]!.GetValue<string>());
        Assert.Single(_f.Scenario.Resources(_f.Scenario.Services[0].Pipeline, "AWS::CodePipeline::Webhook"));
    }

    [Fact]
    public void Webhook_secret_is_a_generated_secret_never_the_oauth_token()
    {
        var stack = _f.Scenario.Services[0].Pipeline;
        var webhook = _f.Scenario.Single(stack, "AWS::CodePipeline::Webhook")["Properties"]!;
        Assert.Equal("GITHUB_HMAC", webhook["Authentication"]!.GetValue<string>());
        var secretToken = Json.Render(webhook["AuthenticationConfiguration"]!["SecretToken"]);
        Assert.DoesNotContain("ci/github-token", secretToken);
        Assert.NotEqual(Json.Render(SourceAction(0)["Configuration"]!["OAuthToken"]), secretToken);
        // A dynamic reference to a secret CloudFormation generates: the value is in no template.
        var (secretId, secret) = _f.Scenario.Resources(stack, "AWS::SecretsManager::Secret").Single();
        Assert.Equal($"{{{{resolve:secretsmanager:<{secretId}>:SecretString:::}}}}", secretToken);
        var generate = secret["Properties"]!["GenerateSecretString"]!;
        Assert.True(generate["PasswordLength"]!.GetValue<int>() >= 32);
        Assert.Null(secret["Properties"]!["SecretString"]);
    }

    [Fact]
    public void Codecommit_repository_is_created_and_pushes_start_the_pipeline()
    {
        var stack = _f.Scenario.Services[1].Pipeline;
        Assert.Equal("orders-repo", _f.Scenario.Single(stack, "AWS::CodeCommit::Repository")["Properties"]!["RepositoryName"]!.GetValue<string>());
        Assert.Equal("false", SourceAction(1)["Configuration"]!["PollForSourceChanges"]!.ToString().ToLowerInvariant());
        Assert.Contains(_f.Scenario.Resources(stack, "AWS::Events::Rule"), r => r.Resource["Properties"]!["EventPattern"]!["source"]![0]!.GetValue<string>() == "aws.codecommit");
    }

    [Fact]
    public void S3_source_bucket_is_versioned_and_new_objects_start_the_pipeline()
    {
        var stack = _f.Scenario.Services[2].Pipeline;
        var bucket = _f.Scenario.Resources(stack, "AWS::S3::Bucket").Single(b => b.LogicalId.Contains("SourceBucket")).Resource["Properties"]!;
        Assert.Equal("Enabled", bucket["VersioningConfiguration"]!["Status"]!.GetValue<string>());
        // CDK turns S3's EventBridge notifications on through its bucket-notifications resource.
        var notifications = _f.Scenario.Single(stack, "Custom::S3BucketNotifications")["Properties"]!;
        Assert.NotNull(notifications["NotificationConfiguration"]!["EventBridgeConfiguration"]);
        var rule = _f.Scenario.Resources(stack, "AWS::Events::Rule").Single(r => r.LogicalId.Contains("SourceTrigger")).Resource["Properties"]!["EventPattern"]!;
        Assert.Equal("Object Created", rule["detail-type"]![0]!.GetValue<string>());
        Assert.Equal("orders/source.zip", rule["detail"]!["object"]!["key"]![0]!.GetValue<string>());
        Assert.Equal("orders/source.zip", SourceAction(2)["Configuration"]!["S3ObjectKey"]!.GetValue<string>());
    }
}
