using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Slipway.Access;
using Slipway.Build;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Observability;
using Slipway.Pipeline;
using Slipway.Tests.TestSupport;
using Repository = Amazon.CDK.AWS.ECR.Repository;

namespace Slipway.Tests.Pipeline;

/// <summary>
/// The README's "Pipeline constructs" examples are this code (between the README markers, verbatim
/// in the README): each is compiled, run alone in a bare app and synthesized here.
/// </summary>
public sealed class ReadmePipelineConstructsTests
{
    private static Stack ServicePipelineExample(App app)
    {
        // README:begin ServicePipeline
        var stack = new Stack(app, "Tooling", new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = "111111111111", Region = "us-east-1" },
        });
        var artifactKey = Key.FromKeyArn(stack, "ArtifactKey",
            "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        var pipeline = new ServicePipeline(stack, "Pipeline", new ServicePipelineProps
        {
            Names = new ResourceNames("orders", null, "dev"),
            Source = new GitHubConnectionSource("example-org", "orders-service",
                "arn:aws:codeconnections:us-east-1:111111111111:connection/5f0e4f1e-0000-4000-8000-000000000000"),
            Environments = new[]
            {
                new DeploymentTarget { Name = "staging", Account = "222222222222", Region = "us-east-1" },
                new DeploymentTarget { Name = "prod", Account = "333333333333", Region = "us-east-1" },
            },
            ApprovalEmails = new[] { "releases@example.com" },
            // Bring your own (leave them out and the pipeline creates them):
            Repository = Repository.FromRepositoryName(stack, "Images", "team/orders"),
            ArtifactBucket = Bucket.FromBucketAttributes(stack, "Artifacts",
                new BucketAttributes { BucketName = "team-artifacts", EncryptionKey = artifactKey }),
        });
        // README:end
        return stack;
    }

    private static void BuildProjectsExample(Stack stack)
    {
        // README:begin BuildProjects
        var builds = new BuildProjects(stack, "Builds", new BuildProjectsProps
        {
            Names = new ResourceNames("orders", null, "dev"),
            Build = new BuildSettings { UnitTests = new CheckSettings { Preset = CheckPreset.Node } },
            Environments = new[] { new DeploymentTarget { Name = "prod", Account = "111111111111", Region = "us-east-1" } },
            Repository = Repository.FromRepositoryName(stack, "Images", "team/orders"),
        });
        // builds.ImageBuild, builds.UnitTests, ...: IProject values for your own CodePipeline actions.
        // README:end
    }

    private static void PipelineObservabilityExample(Stack stack)
    {
        // README:begin PipelineObservability
        new PipelineObservability(stack, "Observability", new PipelineObservabilityProps
        {
            Pipeline = Amazon.CDK.AWS.CodePipeline.Pipeline.FromPipelineArn(stack, "Existing",
                "arn:aws:codepipeline:us-east-1:111111111111:orders-pipeline"),
            Names = new ResourceNames("orders", null, "dev"),
            Environments = new[]
            {
                new PipelineEnvironment("staging", "222222222222", "us-east-1", DeployStage: "Deploy-staging"),
                new PipelineEnvironment("prod", "333333333333", "us-east-1", DeployStage: "Deploy-prod", Production: true),
            },
            Emails = new[] { "team@example.com" },
        });
        // README:end
    }

    private static void GitHubOidcDeployRoleExample(Stack stack)
    {
        // README:begin GitHubOidcDeployRole
        new GitHubOidcDeployRole(stack, "GitHubDeploy", new GitHubOidcDeployRoleProps
        {
            Repository = "example-org/orders-service",
            Branches = Array.Empty<string>(),
            Environments = new[] { "production" },
            Names = new ResourceNames("orders", null, "dev"),
        });
        // README:end
    }

    [Theory]
    [InlineData("ServicePipeline")]
    [InlineData("BuildProjects")]
    [InlineData("PipelineObservability")]
    [InlineData("GitHubOidcDeployRole")]
    public void The_readme_shows_this_example_verbatim(string name)
    {
        var source = File.ReadAllText(Slipway.Tests.TestSupport.Repository.PathOf("tests/Slipway.Tests/Pipeline/ReadmePipelineConstructsTests.cs")).Replace("\r", "");
        var begin = $"// README:begin {name}\n";
        var start = source.IndexOf(begin, StringComparison.Ordinal) + begin.Length;
        var end = source.IndexOf("        // README:end", start, StringComparison.Ordinal);
        var example = string.Join("\n", source[start..end].TrimEnd().Split('\n').Select(l => l.Length >= 8 ? l[8..] : l));

        Assert.Contains("```csharp\n" + example + "\n```", File.ReadAllText(Slipway.Tests.TestSupport.Repository.PathOf("README.md")).Replace("\r", ""));
    }

    [Fact]
    public void ServicePipeline_example_creates_no_repository_or_artifact_bucket()
    {
        var stack = ServicePipelineExample(new App(new AppProps { AnalyticsReporting = false }));
        var template = BareStacks.Template(stack);

        Assert.Empty(BareStacks.Resources(template, "AWS::ECR::Repository"));
        Assert.Equal("team-artifacts", Assert.Single(BareStacks.Resources(template, "AWS::CodePipeline::Pipeline")).Resource["Properties"]!["ArtifactStore"]!["Location"]!.GetValue<string>());
    }

    [Fact]
    public void BuildProjects_example_creates_the_projects_and_no_pipeline()
    {
        var stack = BareStacks.Create();
        BuildProjectsExample(stack);
        var template = BareStacks.Template(stack);

        Assert.Equal(5, BareStacks.Resources(template, "AWS::CodeBuild::Project").Count());
        Assert.Empty(BareStacks.Resources(template, "AWS::CodePipeline::Pipeline"));
        Assert.Empty(BareStacks.Resources(template, "AWS::ECR::Repository"));
    }

    [Fact]
    public void PipelineObservability_example_observes_the_existing_pipeline()
    {
        var stack = BareStacks.Create();
        PipelineObservabilityExample(stack);
        var template = BareStacks.Template(stack);

        Assert.Empty(BareStacks.Resources(template, "AWS::CodePipeline::Pipeline"));
        Assert.All(BareStacks.Resources(template, "AWS::Events::Rule"), rule => Assert.Equal("arn:aws:codepipeline:us-east-1:111111111111:orders-pipeline",
            rule.Resource["Properties"]!["EventPattern"]!["resources"]![0]!.GetValue<string>()));
    }

    [Fact]
    public void GitHubOidcDeployRole_example_creates_the_provider_and_one_role()
    {
        var stack = BareStacks.Create();
        GitHubOidcDeployRoleExample(stack);
        var template = BareStacks.Template(stack);

        Assert.Single(BareStacks.Resources(template, "AWS::IAM::OIDCProvider"));
        var trust = Assert.Single(BareStacks.Resources(template, "AWS::IAM::Role")).Resource["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!;
        Assert.Equal(new[] { "repo:example-org/orders-service:environment:production" },
            Json.List(trust["Condition"]!["StringLike"]!["token.actions.githubusercontent.com:sub"]));
    }
}
