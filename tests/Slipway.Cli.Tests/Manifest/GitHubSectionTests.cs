using System.Text.Json.Nodes;
using Amazon.CDK;
using Slipway.Cli.Commands;
using Slipway.Cli.Manifest;
using Slipway.Access;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Cli.Tests.Manifest;

/// <summary>Manifests with a <c>github:</c> section, each loaded and synthesized once.</summary>
public sealed class GitHubSectionFixture
{
    public const string Services = """
        services:
          - name: orders
            costCenter: cc-1234
            pipeline: { account: "111111111111", region: us-east-1 }
            source:
              github: { owner: example-org, repository: orders-service, connectionArn: "arn:aws:codeconnections:us-east-1:111111111111:connection/5f0e4f1e-0000-4000-8000-000000000000" }
            notifications: { approvalEmails: [releases@example.com] }
            environments:
              - { name: dev, account: "222222222222", region: us-east-1 }
              - { name: staging, account: "222222222222", region: us-east-1 }
              - { name: prod, account: "333333333333", region: us-east-1 }
        """ + "\n";

    /// <summary>
    /// Cross-account: dev and staging deploy the non-production account, production the tooling
    /// account (pipeline), production-eu the production account; 222222222222 has a provider.
    /// </summary>
    public const string CrossAccount = Services + """
        github:
          repository: example-org/orders-service
          branches: []
          environments:
            - { name: dev, account: "222222222222" }
            - { name: staging, account: "222222222222" }
            - { name: production, account: "111111111111" }
            - { name: production-eu, account: "333333333333" }
          existingProviderArn: arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com
        """;

    /// <summary>The same services with every role in one hub account.</summary>
    public const string Hub = Services + """
        github:
          repository: example-org/orders-service
          account: "444444444444"
          region: eu-central-1
          branches: []
          environments:
            - { name: staging, account: "222222222222" }
            - { name: production, account: "111111111111" }
        """;

    /// <summary>One account, environments by name only, the default branch.</summary>
    public const string SingleAccount = """
        services:
          - name: orders
            source:
              github: { owner: example-org, repository: orders-service, connectionArn: "arn:aws:codeconnections:us-east-1:111111111111:connection/5f0e4f1e-0000-4000-8000-000000000000" }
            notifications: { approvalEmails: [releases@example.com] }
            environments:
              - { name: staging, account: "111111111111", region: us-east-1, network: { availabilityZones: [us-east-1a, us-east-1b] } }
              - { name: prod, account: "111111111111", region: us-east-1, network: { availabilityZones: [us-east-1a, us-east-1b] } }
        github:
          repository: example-org/orders-service
          environments: [dev, staging, production]
        """;

    public LoadedManifest CrossAccountManifest { get; } = ManifestLoader.Read("cross.yaml", CrossAccount);
    public IReadOnlyList<GitHubDeployStack> CrossAccountStacks { get; }
    public IReadOnlyList<GitHubDeployStack> HubStacks { get; }
    /// <summary>Templates of the cross-account and hub stacks, by stack name.</summary>
    public Dictionary<string, JsonObject> Json { get; } = new();

    /// <summary>Templates of the GitHub stacks of the single-account app, by stack name.</summary>
    public Dictionary<string, JsonObject> SingleAccountJson { get; } = new();

    /// <summary>The single-account manifest through the CLI's app: every stack.</summary>
    public IReadOnlyList<SynthesizedStack> SingleAccountApp { get; }

    public GitHubSectionFixture()
    {
        CrossAccountStacks = Synthesize(CrossAccountManifest);
        HubStacks = Synthesize(ManifestLoader.Read("hub.yaml", Hub));
        var single = ManifestLoader.Read("single.yaml", SingleAccount);
        SingleAccountApp = SlipwayApp.Synthesize(single.Services, OutDir(), github: single.GitHub);
        foreach (var stack in SingleAccountApp.Where(s => s.Name.Contains("github", StringComparison.Ordinal)))
        {
            SingleAccountJson[stack.Name] = JsonNode.Parse(File.ReadAllText(stack.TemplatePath))!.AsObject();
        }
    }

    private IReadOnlyList<GitHubDeployStack> Synthesize(LoadedManifest manifest)
    {
        var app = new App(new AppProps { AnalyticsReporting = false, Outdir = OutDir() });
        var stacks = SlipwayStacks.AddGitHubDeploy(app, manifest.GitHub!, manifest.Services);
        var assembly = app.Synth();
        foreach (var stack in stacks)
        {
            Json[stack.StackName] = JsonNode.Parse(File.ReadAllText(assembly.GetStackByName(stack.StackName).TemplateFullPath))!.AsObject();
        }
        return stacks;
    }

    private static string OutDir() => Path.Combine(Path.GetTempPath(), "slipway-tests-" + Guid.NewGuid().ToString("N"));
}

public sealed class GitHubSectionTests : IClassFixture<GitHubSectionFixture>
{
    private const string Sub = "token.actions.githubusercontent.com:sub";
    private readonly GitHubSectionFixture _f;

    public GitHubSectionTests(GitHubSectionFixture fixture) => _f = fixture;

    [Fact]
    public void Maps_every_field_of_the_section()
    {
        var github = _f.CrossAccountManifest.GitHub!;
        Assert.Equal("example-org/orders-service", github.Repository);
        Assert.Empty(github.Branches);
        Assert.Equal(new[] { new GitHubEnvironment("dev", "222222222222"), new GitHubEnvironment("staging", "222222222222"),
            new GitHubEnvironment("production", "111111111111"), new GitHubEnvironment("production-eu", "333333333333") }, github.Environments);
        Assert.Equal(new[] { "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com" }, github.ExistingProviderArns);
        Assert.Null(github.Account);
        Assert.Null(github.Region);

        // Both forms of an environment (a name, or {name, account}) and of the provider ARNs (one, or a list) bind.
        var bound = ManifestBinder.GitHub(Newtonsoft.Json.Linq.JToken.Parse("""{"github": {"repository": "o/r", "environments": ["a", {"name": "b", "account": "1"}], "existingProviderArn": "x"}}"""))!;
        Assert.Equal(new[] { new GitHubEnvironment("a"), new GitHubEnvironment("b", "1") }, bound.Environments);
        Assert.Equal(new[] { "x" }, bound.ExistingProviderArns);
        Assert.Equal(GitHubDeploySettings.DefaultBranches, bound.Branches);
        Assert.Equal(new[] { "x", "y" }, ManifestBinder.GitHub(Newtonsoft.Json.Linq.JToken.Parse("""{"github": {"repository": "o/r", "existingProviderArn": ["x", "y"]}}"""))!.ExistingProviderArns);
    }

    [Fact]
    public void Manifest_without_the_section_has_no_github_settings()
    {
        var manifest = ManifestLoader.Read("plain.yaml", GitHubSectionFixture.Services);

        Assert.Null(manifest.GitHub);
        Assert.Single(manifest.Services);
    }

    [Fact]
    public void One_stack_per_account_a_github_environment_deploys_to()
    {
        Assert.Equal(new[] { "111111111111", "222222222222", "333333333333" }, _f.CrossAccountStacks.Select(s => s.Account));
        Assert.Equal(new[] { "us-east-1", "us-east-1", "us-east-1" }, _f.CrossAccountStacks.Select(s => s.Region));
        Assert.Equal(new[] { "slipway-github-deploy-111111111111-dev", "slipway-github-deploy-222222222222-dev", "slipway-github-deploy-333333333333-dev" },
            _f.CrossAccountStacks.Select(s => s.StackName));
        foreach (var stack in _f.CrossAccountStacks)
        {
            var role = Assert.Single(Resources(stack.StackName, "AWS::IAM::Role"));
            Assert.Equal("slipway-github-deploy-dev", role["Properties"]!["RoleName"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Each_role_trusts_only_the_environments_of_its_own_account()
    {
        Assert.Equal(new[] { "repo:example-org/orders-service:environment:production" }, Subjects("slipway-github-deploy-111111111111-dev"));
        Assert.Equal(new[] { "repo:example-org/orders-service:environment:dev", "repo:example-org/orders-service:environment:staging" },
            Subjects("slipway-github-deploy-222222222222-dev"));
        Assert.Equal(new[] { "repo:example-org/orders-service:environment:production-eu" }, Subjects("slipway-github-deploy-333333333333-dev"));
    }

    [Fact]
    public void Each_account_trusts_its_own_provider_created_or_imported()
    {
        var created = Assert.Single(Resources("slipway-github-deploy-111111111111-dev", "AWS::IAM::OIDCProvider"));
        Assert.Equal("https://token.actions.githubusercontent.com", created["Properties"]!["Url"]!.GetValue<string>());
        Assert.Single(Resources("slipway-github-deploy-333333333333-dev", "AWS::IAM::OIDCProvider"));
        Assert.Empty(Resources("slipway-github-deploy-222222222222-dev", "AWS::IAM::OIDCProvider"));
        Assert.Equal("arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com",
            Assert.Single(Resources("slipway-github-deploy-222222222222-dev", "AWS::IAM::Role"))["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Federated"]!.GetValue<string>());
    }

    [Fact]
    public void The_pipeline_accounts_role_reaches_the_environments_the_pipeline_depends_on()
    {
        Assert.Equal(GitHubOidcDeployRole.BootstrapRoleArns(new[]
        {
            new AccountRegion("111111111111", "us-east-1"), new AccountRegion("222222222222", "us-east-1"),
            new AccountRegion("333333333333", "us-east-1"),
        }), AssumableRoles("slipway-github-deploy-111111111111-dev"));
        Assert.Equal(GitHubOidcDeployRole.BootstrapRoleArns(new[] { new AccountRegion("222222222222", "us-east-1") }),
            AssumableRoles("slipway-github-deploy-222222222222-dev"));
        Assert.Equal(GitHubOidcDeployRole.BootstrapRoleArns(new[] { new AccountRegion("333333333333", "us-east-1") }),
            AssumableRoles("slipway-github-deploy-333333333333-dev"));
    }

    [Fact]
    public void Hub_account_holds_one_provider_and_a_role_per_account_deployed_to()
    {
        var hub = Assert.Single(_f.HubStacks);
        Assert.Equal("444444444444", hub.Account);
        Assert.Equal("eu-central-1", hub.Region);
        Assert.Single(Resources(hub.StackName, "AWS::IAM::OIDCProvider"));
        var roles = Resources(hub.StackName, "AWS::IAM::Role").ToDictionary(r => r["Properties"]!["RoleName"]!.GetValue<string>());
        Assert.Equal(new[] { "slipway-111111111111-github-deploy-dev", "slipway-222222222222-github-deploy-dev" }, roles.Keys.Order());
        Assert.Equal(2, hub.Roles.Count);
        Assert.All(hub.Roles, r => Assert.Equal(hub.ProviderArn, r.ProviderArn));
    }

    [Fact]
    public void The_cli_app_adds_the_github_stack_next_to_the_services()
    {
        Assert.Equal(new[] { "orders-pipeline-dev", "orders-prod-runtime-dev", "orders-staging-runtime-dev", "slipway-github-deploy-111111111111-dev" },
            _f.SingleAccountApp.Select(s => s.Name).Order(StringComparer.Ordinal));
        var statement = _f.SingleAccountJson["slipway-github-deploy-111111111111-dev"]["Resources"]!.AsObject().Select(r => r.Value!)
            .Single(r => r["Type"]!.GetValue<string>() == "AWS::IAM::Role")["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!;
        Assert.Equal(new[]
        {
            "repo:example-org/orders-service:ref:refs/heads/main",
            "repo:example-org/orders-service:environment:dev",
            "repo:example-org/orders-service:environment:staging",
            "repo:example-org/orders-service:environment:production",
        }, statement["Condition"]!["StringLike"]![Sub]!.AsArray().Select(x => x!.GetValue<string>()));
    }

    [Theory]
    [InlineData("repository: orders", "cross.yaml:13:3: github.repository: \"orders\" is not OWNER/REPOSITORY.")]
    [InlineData("repository: example-org/*", "github.repository: \"example-org/*\" is not OWNER/REPOSITORY.")]
    [InlineData("repository: o/r\n  branches: []\n  environments: []", "github.branches: [] and no GitHub Environment deploys to an account of this app")]
    [InlineData("repository: o/r\n  branches: [\"feature x\"]", "github.branches[0]: \"feature x\" is not a branch name.")]
    [InlineData("repository: o/r\n  environments: [production]", "github.environments[0]: \"production\" names no account, but the stacks use 3 accounts (111111111111, 222222222222, 333333333333)")]
    [InlineData("repository: o/r\n  environments: [{name: production, account: \"999999999999\"}]", "github.environments[0].account: \"999999999999\" is not an account of this app's stacks.")]
    [InlineData("repository: o/r\n  existingProviderArn: arn:aws:iam::111111111111:oidc-provider/gitlab.com", "github.existingProviderArn: \"arn:aws:iam::111111111111:oidc-provider/gitlab.com\" is not the ARN of GitHub's OIDC provider.")]
    [InlineData("repository: o/r\n  existingProviderArn: arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com", "is in account 999999999999, which holds no deploy role")]
    [InlineData("repository: o/r\n  account: \"12345\"", "github.account: \"12345\" is not a 12-digit AWS account id.")]
    [InlineData("repository: o/r\n  region: mars-1", "github.region: \"mars-1\" is not an AWS region.")]
    public void Rejects_mistakes_in_the_section_with_the_line_field_value_and_fix(string github, string expected)
    {
        var text = GitHubSectionFixture.Services + "github:\n  " + github + "\n";

        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Read("cross.yaml", text));

        Assert.Contains(e.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Rejects_unknown_fields_in_the_section()
    {
        var text = GitHubSectionFixture.Services + "github:\n  repository: o/r\n  branch: main\n";

        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Read("cross.yaml", text));

        Assert.Contains(e.Problems, p => p.Contains("github.branch: unknown field \"branch\". Did you mean \"branches\"?", StringComparison.Ordinal));
    }

    private IEnumerable<JsonObject> Resources(string stackName, string type) =>
        _f.Json[stackName]["Resources"]!.AsObject().Select(r => r.Value!.AsObject()).Where(r => r["Type"]!.GetValue<string>() == type);

    private IEnumerable<string> Subjects(string stackName) =>
        Assert.Single(Resources(stackName, "AWS::IAM::Role"))["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!["Condition"]!["StringLike"]![Sub]!
            .AsArray().Select(x => x!.GetValue<string>());

    private IEnumerable<string> AssumableRoles(string stackName) =>
        Resources(stackName, "AWS::IAM::Policy").SelectMany(p => p["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Single(s => s!["Effect"]!.GetValue<string>() == "Allow")!["Resource"]!.AsArray().Select(x => x!.GetValue<string>());
}
