using Slipway.Access;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Access;

/// <summary><see cref="GitHubOidcDeployRole"/> alone in a bare stack: its stack's environment and its tags.</summary>
public sealed class StandaloneGitHubOidcDeployRoleTests
{
    [Fact]
    public void Env_agnostic_stack_without_bootstrap_environments_is_refused_with_the_construct_the_missing_values_and_the_fix()
    {
        var stack = BareStacks.Create(withEnvironment: false);
        var props = GitHubOidcDeployRoleFixture.Props();

        var error = Assert.Throws<SlipwayValidationException>(() => new GitHubOidcDeployRole(stack, "GitHubDeploy", new GitHubOidcDeployRoleProps
        {
            Repository = props.Repository,
            Names = props.Names,
        }));

        Assert.Equal(
            "Tooling/GitHubDeploy: Env.Account and Env.Region of the stack Tooling are not set: GitHubOidcDeployRole needs the stack's account and region (the OIDC provider's ARN and the roles' trust in that account). " +
            "Create the stack with them, for example new Stack(app, \"Orders\", new StackProps { Env = new Amazon.CDK.Environment { Account = \"123456789012\", Region = \"us-east-1\" } }).",
            error.Message);
    }

    [Fact]
    public void Env_agnostic_stack_with_bootstrap_environments_needs_no_stack_environment()
    {
        var stack = BareStacks.Create(withEnvironment: false);

        new GitHubOidcDeployRole(stack, "GitHubDeploy", GitHubOidcDeployRoleFixture.Props(bootstrapEnvironments: new[] { new AccountRegion(Services.Production, "eu-west-1") }));

        var assume = Assert.Single(Json.Statements(BareStacks.Template(stack)), s => s.Statement["Sid"]?.GetValue<string>() == "AssumeCdkBootstrapRoles").Statement;
        Assert.Equal(
            GitHubOidcDeployRole.BootstrapRoleKinds.Select(kind => $"arn:aws:iam::333333333333:role/cdk-hnb659fds-{kind}-role-333333333333-eu-west-1"),
            Json.List(assume["Resource"]));
    }

    [Fact]
    public void Tags_the_role_and_the_provider_when_used_on_its_own()
    {
        var stack = BareStacks.Create();

        new GitHubOidcDeployRole(stack, "GitHubDeploy", GitHubOidcDeployRoleFixture.Props());

        var template = BareStacks.Template(stack);
        var tagged = BareStacks.Resources(template, "AWS::IAM::Role").Concat(BareStacks.Resources(template, "AWS::IAM::OIDCProvider")).ToList();
        Assert.Equal(2, tagged.Count);
        Assert.All(tagged, r => Assert.Equal(BareStacks.StandaloneTags, BareStacks.SlipwayTagsOf(r.Resource)));
    }
}
