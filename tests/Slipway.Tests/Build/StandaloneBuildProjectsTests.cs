using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Slipway.Build;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Build;

/// <summary><see cref="BuildProjects"/> alone in a bare stack: build settings, an existing repository, no key, no pipeline.</summary>
public sealed class StandaloneBuildProjectsTests
{
    private const string RepositoryArn = "arn:aws:ecr:us-east-1:111111111111:repository/team/orders";

    private static BuildProjects Create(Stack stack) => new(stack, "Builds", new BuildProjectsProps
    {
        Names = new ResourceNames("orders", null, "dev"),
        Build = new BuildSettings { UnitTests = new CheckSettings { Preset = CheckPreset.Node } },
        Environments = new[] { new DeploymentTarget { Name = "prod", Account = Services.Production, Region = "us-east-1" } },
        Repository = Amazon.CDK.AWS.ECR.Repository.FromRepositoryAttributes(stack, "TeamRepository", new RepositoryAttributes { RepositoryName = "team/orders", RepositoryArn = RepositoryArn }),
    });

    [Fact]
    public void Creates_the_projects_and_their_cache_but_no_repository_artifact_bucket_or_key()
    {
        var stack = BareStacks.Create();
        var projects = Create(stack);
        var template = BareStacks.Template(stack);

        Assert.Equal(new[] { "ImageBuild", "UnitTests", "ImageScan", "PromoteImage", "AlarmRollback" }, projects.All.Select(p => p.Node.Id));
        Assert.Empty(BareStacks.Resources(template, "AWS::ECR::Repository"));
        Assert.Equal(new[] { "orders-build-cache-111111111111-dev" },
            BareStacks.Resources(template, "AWS::S3::Bucket").Select(b => b.Resource["Properties"]!["BucketName"]!.GetValue<string>()));
        Assert.DoesNotContain(BareStacks.Resources(template, "AWS::KMS::Key"), k => k.LogicalId.StartsWith("Builds", StringComparison.Ordinal));
        // Without a key, CodeBuild encrypts build output with the AWS-managed S3 key.
        Assert.All(BareStacks.Resources(template, "AWS::CodeBuild::Project"), p => Assert.Equal("alias/aws/s3", p.Resource["Properties"]!["EncryptionKey"]!.GetValue<string>()));
    }

    [Fact]
    public void Image_build_pushes_to_the_given_repository_only_and_assumes_the_environments_alarm_rollback_roles()
    {
        var stack = BareStacks.Create();
        Create(stack);
        var template = BareStacks.Template(stack);
        var statements = Json.Statements(template).ToList();

        var push = Assert.Single(statements, s => s.LogicalId.StartsWith("BuildsImageBuildRoleDefaultPolicy", StringComparison.Ordinal)
            && Json.List(s.Statement["Action"]).Contains("ecr:PutImage"));
        Assert.Equal(new[] { RepositoryArn }, Json.List(push.Statement["Resource"]));
        var assume = Assert.Single(statements, s => s.Statement["Sid"]?.GetValue<string>() == "AssumeAlarmRollbackRoles");
        Assert.Equal(new[] { "arn:<AWS::Partition>:iam::333333333333:role/orders-prod-alarms-dev" }, Json.List(assume.Statement["Resource"]));
        var spec = JsonDocument.Parse(Json.Render(BareStacks.Resources(template, "AWS::CodeBuild::Project")
            .Single(p => p.LogicalId.StartsWith("BuildsImageBuild", StringComparison.Ordinal)).Resource["Properties"]!["Source"]!["BuildSpec"])).RootElement;
        Assert.EndsWith("/team/orders", spec.GetProperty("env").GetProperty("variables").GetProperty("REPOSITORY_URI").GetString());
    }

    [Fact]
    public void Tags_what_it_creates_when_used_on_its_own()
    {
        var stack = BareStacks.Create();
        Create(stack);
        var template = BareStacks.Template(stack);

        foreach (var type in new[] { "AWS::CodeBuild::Project", "AWS::S3::Bucket", "AWS::IAM::Role", "AWS::Logs::LogGroup", "AWS::CodeBuild::ReportGroup" })
        {
            var resources = BareStacks.Resources(template, type).Where(r => r.LogicalId.StartsWith("Builds", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(resources);
            Assert.All(resources, r => Assert.Equal(BareStacks.StandaloneTags, BareStacks.SlipwayTagsOf(r.Resource)));
        }
    }

    [Fact]
    public void Env_agnostic_stack_is_refused_with_the_construct_the_missing_values_and_the_fix()
    {
        var stack = BareStacks.Create(withEnvironment: false);

        var error = Assert.Throws<SlipwayValidationException>(() => Create(stack));

        Assert.Equal(
            "Tooling/Builds: Env.Account and Env.Region of the stack Tooling are not set: BuildProjects needs the stack's account and region (the ARNs of the parameters, secrets and repositories its builds use). " +
            "Create the stack with them, for example new Stack(app, \"Orders\", new StackProps { Env = new Amazon.CDK.Environment { Account = \"123456789012\", Region = \"us-east-1\" } }).",
            error.Message);
    }
}
