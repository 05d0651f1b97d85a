using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Pipeline;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Pipeline;

/// <summary>
/// <see cref="ServicePipeline"/> alone in a bare stack, with only its narrow props: an existing
/// image repository, artifact bucket and key ("bring your own"), or none ("we make one").
/// </summary>
public sealed class StandaloneServicePipelineTests
{
    private const string RepositoryArn = "arn:aws:ecr:us-east-1:111111111111:repository/team/orders";
    private const string BucketArn = "arn:aws:s3:::team-artifacts";
    private const string KeyArn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private static ServicePipelineProps Props(IRepository? repository = null, IBucket? bucket = null, IKey? key = null, string stagingAccount = Services.Staging) => new()
    {
        Names = new ResourceNames("orders", null, "dev"),
        Source = new GitHubConnectionSource("example-org", "orders-service", Services.ConnectionArn),
        Environments = new[]
        {
            new DeploymentTarget { Name = "staging", Account = stagingAccount, Region = "us-east-1" },
            new DeploymentTarget { Name = "prod", Account = Services.Production, Region = "us-east-1" },
        },
        ApprovalEmails = new[] { "releases@example.com" },
        Repository = repository,
        ArtifactBucket = bucket,
        ArtifactKey = key,
    };

    private static (Stack Stack, JsonObject Template, ServicePipeline Pipeline) WithExisting()
    {
        var stack = BareStacks.Create();
        var repository = Amazon.CDK.AWS.ECR.Repository.FromRepositoryAttributes(stack, "TeamRepository", new RepositoryAttributes { RepositoryName = "team/orders", RepositoryArn = RepositoryArn });
        var key = Key.FromKeyArn(stack, "TeamKey", KeyArn);
        var bucket = Bucket.FromBucketAttributes(stack, "TeamArtifacts", new BucketAttributes { BucketArn = BucketArn, BucketName = "team-artifacts", EncryptionKey = key });
        var pipeline = new ServicePipeline(stack, "Pipeline", Props(repository, bucket));
        return (stack, BareStacks.Template(stack), pipeline);
    }

    [Fact]
    public void With_an_existing_repository_and_bucket_it_creates_neither_nor_an_artifact_key()
    {
        var (_, template, pipeline) = WithExisting();

        Assert.Empty(BareStacks.Resources(template, "AWS::ECR::Repository"));
        // Only the access-log and build-cache buckets; the artifact store is the given bucket.
        Assert.Equal(new[] { "orders-access-logs-111111111111-dev", "orders-build-cache-111111111111-dev" },
            BareStacks.Resources(template, "AWS::S3::Bucket").Select(b => b.Resource["Properties"]!["BucketName"]!.GetValue<string>()).Order());
        Assert.DoesNotContain(BareStacks.Resources(template, "AWS::KMS::Key"), k => k.LogicalId.Contains("ArtifactKey", StringComparison.Ordinal));
        var store = BareStacks.Resources(template, "AWS::CodePipeline::Pipeline").Single().Resource["Properties"]!["ArtifactStore"]!;
        Assert.Equal("team-artifacts", store["Location"]!.GetValue<string>());
        Assert.Equal(KeyArn, store["EncryptionKey"]!["Id"]!.GetValue<string>());
        Assert.Equal(KeyArn, pipeline.ArtifactKey!.KeyArn);
    }

    [Fact]
    public void With_an_existing_repository_and_bucket_it_grants_its_roles_on_the_given_ones()
    {
        var (_, template, _) = WithExisting();
        var statements = Json.Statements(template).ToList();

        // The pipeline's service role writes and reads artifacts in the given bucket, with the given key.
        var pipelinePolicy = PolicyOfRole(template, "PipelineRole");
        Assert.Contains(statements, s => s.LogicalId == pipelinePolicy && Json.List(s.Statement["Resource"]).Contains(BucketArn + "/*")
            && Json.List(s.Statement["Action"]).Contains("s3:PutObject"));
        Assert.Contains(statements, s => s.LogicalId == pipelinePolicy && Json.List(s.Statement["Resource"]).Contains(KeyArn)
            && Json.List(s.Statement["Action"]).Contains("kms:Decrypt"));
        // The image build pushes to the given repository, and only there.
        var imageBuildPolicy = PolicyOfRole(template, "PipelineBuildsImageBuildRole");
        var push = Assert.Single(statements, s => s.LogicalId == imageBuildPolicy && Json.List(s.Statement["Action"]).Contains("ecr:PutImage"));
        Assert.Equal(new[] { RepositoryArn }, Json.List(push.Statement["Resource"]));
        // Promotion retags in the given repository.
        var promotePolicy = PolicyOfRole(template, "PipelineBuildsPromoteImageRole");
        var retag = Assert.Single(statements, s => s.LogicalId == promotePolicy && Json.List(s.Statement["Action"]).Contains("ecr:PutImage"));
        Assert.Equal(new[] { RepositoryArn }, Json.List(retag.Statement["Resource"]));
    }

    [Fact]
    public void Without_a_repository_or_bucket_it_makes_them_with_a_key_for_the_other_accounts()
    {
        var stack = BareStacks.Create();
        new ServicePipeline(stack, "Pipeline", Props());
        var template = BareStacks.Template(stack);

        var repository = Assert.Single(BareStacks.Resources(template, "AWS::ECR::Repository")).Resource;
        Assert.Equal("orders-images-dev", repository["Properties"]!["RepositoryName"]!.GetValue<string>());
        Assert.Contains(BareStacks.Resources(template, "AWS::S3::Bucket"), b => b.LogicalId.StartsWith("PipelineArtifactBucket", StringComparison.Ordinal));
        Assert.Contains(BareStacks.Resources(template, "AWS::KMS::Key"), k => k.LogicalId.StartsWith("PipelineArtifactKey", StringComparison.Ordinal));
        // Other accounts' task execution roles may pull from the created repository.
        var pull = Assert.Single(Json.Statements(template), s => s.Statement["Sid"]?.GetValue<string>() == "PullFromEnvironmentAccounts").Statement;
        Assert.Contains("ecr:BatchGetImage", Json.List(pull["Action"]));
    }

    [Fact]
    public void Refuses_an_existing_bucket_without_a_key_when_an_environment_is_in_another_account()
    {
        var stack = BareStacks.Create();
        var bucket = Bucket.FromBucketAttributes(stack, "TeamArtifacts", new BucketAttributes { BucketArn = BucketArn, BucketName = "team-artifacts" });

        var error = Assert.Throws<SlipwayValidationException>(() => new ServicePipeline(stack, "Pipeline", Props(bucket: bucket)));

        Assert.Equal(
            "ServicePipelineProps.ArtifactKey: (missing) and the given ArtifactBucket has no EncryptionKey, so the artifacts are SSE-S3, but environment \"staging\" is in account 222222222222, " +
            "which cannot read SSE-S3 artifacts through CodePipeline. Pass the bucket's KMS key as ArtifactKey, or leave ArtifactBucket unset so the pipeline creates a bucket and key.",
            error.Message);
    }

    [Fact]
    public void Tags_what_it_creates_when_used_on_its_own()
    {
        var (_, template, _) = WithExisting();

        foreach (var type in new[] { "AWS::CodePipeline::Pipeline", "AWS::CodeBuild::Project", "AWS::S3::Bucket", "AWS::IAM::Role", "AWS::SNS::Topic", "AWS::Logs::LogGroup" })
        {
            var resources = BareStacks.Resources(template, type).Where(r => r.LogicalId.StartsWith("Pipeline", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(resources);
            Assert.All(resources, r => Assert.Equal(BareStacks.StandaloneTags, BareStacks.SlipwayTagsOf(r.Resource)));
        }
    }

    [Fact]
    public void Env_agnostic_stack_is_refused_with_the_construct_the_missing_values_and_the_fix()
    {
        var stack = BareStacks.Create(withEnvironment: false);

        var error = Assert.Throws<SlipwayValidationException>(() => new ServicePipeline(stack, "Pipeline", Props()));

        Assert.Equal(
            "Tooling/Pipeline: Env.Account and Env.Region of the stack Tooling are not set: ServicePipeline needs the stack's account and region (the environments' roles it assumes and the grants on its artifacts). " +
            "Create the stack with them, for example new Stack(app, \"Orders\", new StackProps { Env = new Amazon.CDK.Environment { Account = \"123456789012\", Region = \"us-east-1\" } }).",
            error.Message);
    }

    [Fact]
    public void Validates_its_own_props_by_their_csharp_property_paths()
    {
        var stack = BareStacks.Create();
        var props = Props();

        var error = Assert.Throws<SlipwayValidationException>(() => new ServicePipeline(stack, "Pipeline", new ServicePipelineProps
        {
            Names = props.Names,
            Source = props.Source,
            Environments = new[] { new DeploymentTarget { Name = "prod", Account = "12345", Region = "us-east-1" } },
            ImageRetentionCount = 0,
        }));

        Assert.Equal(new[]
        {
            "ServicePipelineProps.Environments[0].Account",
            "ServicePipelineProps.ApprovalEmails",
            "ServicePipelineProps.ImageRetentionCount",
        }, error.Problems.Select(p => p[..p.IndexOf(':')]));
    }

    // The logical id of the IAM policy attached to the role whose logical id starts with rolePrefix.
    private static string PolicyOfRole(JsonObject template, string rolePrefix)
    {
        var role = BareStacks.Resources(template, "AWS::IAM::Role").Single(r => r.LogicalId.StartsWith(rolePrefix, StringComparison.Ordinal) && !r.LogicalId[rolePrefix.Length..].StartsWith("Default", StringComparison.Ordinal)
            && r.LogicalId.Length - rolePrefix.Length == 8).LogicalId;
        return BareStacks.Resources(template, "AWS::IAM::Policy")
            .Single(p => p.Resource["Properties"]!["Roles"]!.AsArray().Any(r => r!["Ref"]?.GetValue<string>() == role)).LogicalId;
    }
}
