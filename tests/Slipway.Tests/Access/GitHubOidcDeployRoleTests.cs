using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Slipway.Model;
using Slipway.Conventions;
using Slipway.Access;

namespace Slipway.Tests.Access;

/// <summary>
/// One app, synthesized once: a stack whose role creates the provider and may deploy to two
/// environments, and a stack whose role imports an existing provider.
/// </summary>
public sealed class GitHubOidcDeployRoleFixture
{
    public const string Account = "111111111111";
    public const string OtherAccount = "222222222222";
    public const string Repository = "example-org/orders-service";
    public const string ExistingProviderArn = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";

    public Stack Created { get; }
    public Stack Imported { get; }
    public GitHubOidcDeployRole CreatedRole { get; }
    public GitHubOidcDeployRole ImportedRole { get; }
    public JsonObject CreatedJson { get; }
    public JsonObject ImportedJson { get; }

    public GitHubOidcDeployRoleFixture()
    {
        var app = new App(new AppProps { AnalyticsReporting = false, Outdir = Path.Combine(Path.GetTempPath(), "slipway-tests-" + Guid.NewGuid().ToString("N")) });
        Created = new Stack(app, "Created", new StackProps { Env = new Amazon.CDK.Environment { Account = Account, Region = "us-east-1" } });
        CreatedRole = new GitHubOidcDeployRole(Created, "GitHubDeploy", Props());
        Imported = new Stack(app, "Imported", new StackProps { Env = new Amazon.CDK.Environment { Account = Account, Region = "eu-west-1" } });
        ImportedRole = new GitHubOidcDeployRole(Imported, "GitHubDeploy", new GitHubOidcDeployRoleProps
        {
            Repository = Repository,
            Branches = Array.Empty<string>(),
            Environments = new[] { "production" },
            ExistingProviderArn = ExistingProviderArn,
            Names = new ResourceNames("orders", "imported", "dev"),
        });
        var assembly = app.Synth();
        CreatedJson = JsonNode.Parse(File.ReadAllText(assembly.GetStackByName(Created.StackName).TemplateFullPath))!.AsObject();
        ImportedJson = JsonNode.Parse(File.ReadAllText(assembly.GetStackByName(Imported.StackName).TemplateFullPath))!.AsObject();
    }

    /// <summary>Valid props (main, staging, production; two bootstrap environments), with any field replaced.</summary>
    public static GitHubOidcDeployRoleProps Props(string repository = Repository, string[]? branches = null, string[]? environments = null,
        string? existingProviderArn = null, AccountRegion[]? bootstrapEnvironments = null) => new()
    {
        Repository = repository,
        Branches = branches ?? new[] { "main" },
        Environments = environments ?? new[] { "staging", "production" },
        ExistingProviderArn = existingProviderArn,
        Names = new ResourceNames("orders", null, "dev"),
        BootstrapEnvironments = bootstrapEnvironments ?? new[] { new AccountRegion(Account, "us-east-1"), new AccountRegion(OtherAccount, "eu-west-1") },
    };

    public static IEnumerable<(string LogicalId, JsonObject Resource)> Resources(JsonObject template, string type) =>
        template["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (r.Key, r.Value!.AsObject()));
}

public sealed class GitHubOidcDeployRoleTests : IClassFixture<GitHubOidcDeployRoleFixture>
{
    private const string Sub = "token.actions.githubusercontent.com:sub";
    private const string Aud = "token.actions.githubusercontent.com:aud";
    private readonly GitHubOidcDeployRoleFixture _f;

    public GitHubOidcDeployRoleTests(GitHubOidcDeployRoleFixture fixture) => _f = fixture;

    [Fact]
    public void Creates_the_provider_for_GitHubs_issuer_with_the_sts_audience()
    {
        // Given the default props, when synthesized, then one L1 provider (no custom-resource Lambda)
        Template.FromStack(_f.Created).HasResourceProperties("AWS::IAM::OIDCProvider", new Dictionary<string, object>
        {
            ["Url"] = "https://token.actions.githubusercontent.com",
            ["ClientIdList"] = new[] { "sts.amazonaws.com" },
            ["ThumbprintList"] = GitHubOidcDeployRole.Thumbprints.ToArray(),
        });
        Assert.Single(GitHubOidcDeployRoleFixture.Resources(_f.CreatedJson, "AWS::IAM::OIDCProvider"));
        Assert.Empty(GitHubOidcDeployRoleFixture.Resources(_f.CreatedJson, "AWS::Lambda::Function"));
        Assert.Empty(GitHubOidcDeployRoleFixture.Resources(_f.CreatedJson, "Custom::AWSCDKOpenIdConnectProvider"));
    }

    [Fact]
    public void Trust_policy_admits_only_the_audience_and_the_listed_subjects()
    {
        var statement = Assert.Single(TrustStatements(_f.CreatedJson));
        Assert.Equal("sts:AssumeRoleWithWebIdentity", statement["Action"]!.GetValue<string>());
        Assert.Equal("Allow", statement["Effect"]!.GetValue<string>());
        var providerId = Assert.Single(GitHubOidcDeployRoleFixture.Resources(_f.CreatedJson, "AWS::IAM::OIDCProvider")).LogicalId;
        Assert.Equal(providerId, statement["Principal"]!["Federated"]!["Fn::GetAtt"]![0]!.GetValue<string>());

        var condition = statement["Condition"]!.AsObject();
        Assert.Equal(new[] { "StringEquals", "StringLike" }, condition.Select(c => c.Key).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(new[] { Aud }, condition["StringEquals"]!.AsObject().Select(c => c.Key));
        Assert.Equal("sts.amazonaws.com", condition["StringEquals"]![Aud]!.GetValue<string>());
        Assert.Equal(new[] { Sub }, condition["StringLike"]!.AsObject().Select(c => c.Key));
        Assert.Equal(new[]
        {
            "repo:example-org/orders-service:ref:refs/heads/main",
            "repo:example-org/orders-service:environment:staging",
            "repo:example-org/orders-service:environment:production",
        }, Strings(condition["StringLike"]![Sub]!));
    }

    [Fact]
    public void Subjects_name_the_owner_and_repository_without_wildcards()
    {
        foreach (var subject in Strings(Assert.Single(TrustStatements(_f.CreatedJson))["Condition"]!["StringLike"]![Sub]!))
        {
            var parts = subject.Split(':');
            Assert.Equal("repo", parts[0]);
            Assert.Equal("example-org/orders-service", parts[1]);
            Assert.DoesNotContain('*', subject);
            Assert.DoesNotContain('?', subject);
        }
    }

    [Fact]
    public void May_assume_only_the_four_bootstrap_roles_of_each_environment()
    {
        var allows = PolicyStatements(_f.CreatedJson).Where(s => s["Effect"]!.GetValue<string>() == "Allow").ToList();
        var allow = Assert.Single(allows);
        Assert.Equal("sts:AssumeRole", allow["Action"]!.GetValue<string>());
        Assert.Equal(new[]
        {
            "arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-us-east-1",
            "arn:aws:iam::111111111111:role/cdk-hnb659fds-file-publishing-role-111111111111-us-east-1",
            "arn:aws:iam::111111111111:role/cdk-hnb659fds-image-publishing-role-111111111111-us-east-1",
            "arn:aws:iam::111111111111:role/cdk-hnb659fds-lookup-role-111111111111-us-east-1",
            "arn:aws:iam::222222222222:role/cdk-hnb659fds-deploy-role-222222222222-eu-west-1",
            "arn:aws:iam::222222222222:role/cdk-hnb659fds-file-publishing-role-222222222222-eu-west-1",
            "arn:aws:iam::222222222222:role/cdk-hnb659fds-image-publishing-role-222222222222-eu-west-1",
            "arn:aws:iam::222222222222:role/cdk-hnb659fds-lookup-role-222222222222-eu-west-1",
        }, Strings(allow["Resource"]!));
        Assert.Empty(GitHubOidcDeployRoleFixture.Resources(_f.CreatedJson, "AWS::IAM::ManagedPolicy"));
        var role = Assert.Single(GitHubOidcDeployRoleFixture.Resources(_f.CreatedJson, "AWS::IAM::Role")).Resource;
        Assert.Null(role["Properties"]!["ManagedPolicyArns"]);
        Assert.Null(role["Properties"]!["Policies"]);
    }

    [Fact]
    public void Denies_terminating_instances()
    {
        var deny = Assert.Single(PolicyStatements(_f.CreatedJson), s => s["Effect"]!.GetValue<string>() == "Deny");
        Assert.Equal(Guardrails.DenyTerminateInstancesSid, deny["Sid"]!.GetValue<string>());
        Assert.Equal("ec2:TerminateInstances", deny["Action"]!.GetValue<string>());
        Assert.Equal("*", deny["Resource"]!.GetValue<string>());
    }

    [Fact]
    public void Role_is_named_by_convention_with_one_hour_sessions_and_its_arn_is_an_output()
    {
        Template.FromStack(_f.Created).HasResourceProperties("AWS::IAM::Role", new Dictionary<string, object>
        {
            ["RoleName"] = "orders-github-deploy-dev",
            ["MaxSessionDuration"] = 3600,
        });
        var output = Assert.Single(_f.CreatedJson["Outputs"]!.AsObject());
        var roleId = Assert.Single(GitHubOidcDeployRoleFixture.Resources(_f.CreatedJson, "AWS::IAM::Role")).LogicalId;
        Assert.Equal(roleId, output.Value!["Value"]!["Fn::GetAtt"]![0]!.GetValue<string>());
        Assert.Contains("AWS_DEPLOY_ROLE_ARN", output.Value!["Description"]!.GetValue<string>());
    }

    [Fact]
    public void Imports_an_existing_provider_instead_of_creating_one()
    {
        Assert.Empty(GitHubOidcDeployRoleFixture.Resources(_f.ImportedJson, "AWS::IAM::OIDCProvider"));
        Assert.Null(_f.ImportedRole.Provider);
        Assert.Equal(GitHubOidcDeployRoleFixture.ExistingProviderArn, _f.ImportedRole.ProviderArn);
        var statement = Assert.Single(TrustStatements(_f.ImportedJson));
        Assert.Equal(GitHubOidcDeployRoleFixture.ExistingProviderArn, statement["Principal"]!["Federated"]!.GetValue<string>());
        Assert.Equal(new[] { "repo:example-org/orders-service:environment:production" }, Strings(statement["Condition"]!["StringLike"]![Sub]!));
    }

    [Fact]
    public void Defaults_to_the_bootstrap_roles_of_its_own_stack()
    {
        var allow = Assert.Single(PolicyStatements(_f.ImportedJson), s => s["Effect"]!.GetValue<string>() == "Allow");
        Assert.Equal(GitHubOidcDeployRole.BootstrapRoleArns(new[] { new AccountRegion("111111111111", "eu-west-1") }), Strings(allow["Resource"]!));
    }

    [Fact]
    public void Exposes_the_role_and_the_provider_arn()
    {
        Assert.NotNull(_f.CreatedRole.Role);
        Assert.NotNull(_f.CreatedRole.Provider);
        Assert.Equal(_f.CreatedRole.Provider!.AttrArn, _f.CreatedRole.ProviderArn);
    }

    [Theory]
    [InlineData("orders", null, null, null, "repository: \"orders\" is not OWNER/REPOSITORY")]
    [InlineData("example-org/*", null, null, null, "repository: \"example-org/*\" is not OWNER/REPOSITORY")]
    [InlineData("*/orders-service", null, null, null, "repository: \"*/orders-service\" is not OWNER/REPOSITORY")]
    [InlineData(GitHubOidcDeployRoleFixture.Repository, new string[0], new string[0], null, "branches: [] and environments are both empty")]
    [InlineData(GitHubOidcDeployRoleFixture.Repository, new[] { "" }, null, null, "branches[0]: \"\" is not a branch name")]
    [InlineData(GitHubOidcDeployRoleFixture.Repository, new[] { "feature x" }, null, null, "branches[0]: \"feature x\" is not a branch name")]
    [InlineData(GitHubOidcDeployRoleFixture.Repository, new[] { "release/*" }, null, null, "branches[0]: \"release/*\" is not a branch name")]
    [InlineData(GitHubOidcDeployRoleFixture.Repository, new[] { "refs/heads/main" }, null, null, "branches[0]: \"refs/heads/main\" is not a branch name")]
    [InlineData(GitHubOidcDeployRoleFixture.Repository, null, new[] { "prod*" }, null, "environments[0]: \"prod*\" is not a GitHub Environment name")]
    [InlineData(GitHubOidcDeployRoleFixture.Repository, null, null, "arn:aws:iam::111111111111:oidc-provider/gitlab.com", "existingProviderArn: \"arn:aws:iam::111111111111:oidc-provider/gitlab.com\" is not the ARN of GitHub's OIDC provider")]
    [InlineData(GitHubOidcDeployRoleFixture.Repository, null, null, "token.actions.githubusercontent.com", "existingProviderArn: \"token.actions.githubusercontent.com\" is not the ARN of GitHub's OIDC provider")]
    public void Rejects_bad_props_naming_the_field_and_the_value(string repository, string[]? branches, string[]? environments, string? providerArn, string expected)
    {
        var props = GitHubOidcDeployRoleFixture.Props(repository, branches, environments, providerArn);

        var e = Assert.Throws<SlipwayValidationException>(() => new GitHubOidcDeployRole(new Stack(), "GitHubDeploy", props));

        var problem = Assert.Single(e.Problems);
        Assert.StartsWith(expected, problem);
    }

    [Fact]
    public void Rejects_bootstrap_environments_that_are_not_an_account_and_region()
    {
        var props = GitHubOidcDeployRoleFixture.Props(bootstrapEnvironments: new[] { new AccountRegion("12345", "us-east-1"), new AccountRegion("111111111111", "mars-1") });

        var e = Assert.Throws<SlipwayValidationException>(() => new GitHubOidcDeployRole(new Stack(), "GitHubDeploy", props));

        Assert.Equal(2, e.Problems.Count);
        Assert.StartsWith("bootstrapEnvironments[0].account: \"12345\" is not a 12-digit AWS account id.", e.Problems[0]);
        Assert.StartsWith("bootstrapEnvironments[1].region: \"mars-1\" is not an AWS region.", e.Problems[1]);
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        var props = GitHubOidcDeployRoleFixture.Props("orders", new[] { "feature x" }, new[] { "prod*" }, "arn:aws:iam::1:oidc-provider/x");

        var e = Assert.Throws<SlipwayValidationException>(() => new GitHubOidcDeployRole(new Stack(), "GitHubDeploy", props));

        Assert.Equal(4, e.Problems.Count);
        Assert.Contains("Use the short name of one branch", e.Message);
    }

    private static IEnumerable<JsonObject> TrustStatements(JsonObject template) =>
        Assert.Single(GitHubOidcDeployRoleFixture.Resources(template, "AWS::IAM::Role")).Resource["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]!
            .AsArray().Select(s => s!.AsObject());

    private static IEnumerable<JsonObject> PolicyStatements(JsonObject template) =>
        GitHubOidcDeployRoleFixture.Resources(template, "AWS::IAM::Policy")
            .SelectMany(p => p.Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()));

    // IAM accepts a single value or a list; compare both as a list.
    private static IReadOnlyList<string> Strings(JsonNode node) =>
        node is JsonArray array ? array.Select(x => x!.GetValue<string>()).ToList() : new[] { node.GetValue<string>() };
}
