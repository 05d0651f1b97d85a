using Amazon.CDK;
using Constructs;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Access;

namespace Slipway.Stacks;

/// <summary>Props of <see cref="GitHubDeployStack"/>.</summary>
public sealed class GitHubDeployStackProps : StackProps
{
    /// <summary>The <c>github:</c> settings.</summary>
    public required GitHubDeploySettings Settings { get; init; }

    /// <summary>The services of the app, whose stacks the roles deploy.</summary>
    public required IReadOnlyList<ServiceDefinition> Services { get; init; }

    /// <summary>The account this stack is deployed to and whose provider the roles trust.</summary>
    public required string HostAccount { get; init; }

    /// <summary>The environment suffix of physical names.</summary>
    public required string Suffix { get; init; }
}

/// <summary>
/// GitHub's OIDC provider in one account (created or imported) and the deploy role(s) GitHub
/// Actions assumes there: one role per account whose stacks it deploys, so that each GitHub
/// Environment reaches only its own account. Deployed once per account with administrator
/// credentials, before the first workflow run; never by the workflow itself.
/// </summary>
public sealed class GitHubDeployStack : Stack
{
    /// <summary>The deploy roles, one per target account (in hub mode several, otherwise one).</summary>
    public IReadOnlyList<GitHubOidcDeployRole> Roles { get; }

    /// <summary>The ARN of the provider the roles trust.</summary>
    public string ProviderArn { get; }

    /// <summary>Creates the stack.</summary>
    public GitHubDeployStack(Construct scope, string id, GitHubDeployStackProps props)
        : base(scope, id, InheritedStackProps.Merge(props, new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = props.HostAccount, Region = props.Settings.HomeRegion(props.Services, props.HostAccount) },
            StackName = NamesFor(props.Services, props.Suffix).Name($"github-deploy-{props.HostAccount}", 128),
            Description = $"Slipway: GitHub Actions OIDC provider and deploy role(s) for {props.Settings.Repository} in {props.HostAccount}",
        }, nameof(GitHubDeployStackProps)))
    {
        var settings = props.Settings;
        var names = NamesFor(props.Services, props.Suffix);
        var targets = settings.TargetAccounts(props.Services, props.HostAccount);
        var hub = settings.Account is not null;
        var tags = new SlipwayTags
        {
            Environment = "tooling",
            Project = Common(props.Services, s => s.Project ?? s.Name) ?? "slipway",
            CostCenter = Common(props.Services, s => s.CostCenter) ?? "unassigned",
            Service = "github-deploy",
        };

        // One provider per account: in hub mode the roles share one made here, so that adding or
        // removing an account never moves (and so replaces) the provider.
        var providerArn = settings.ExistingProviderArnIn(props.HostAccount)
            ?? (hub ? GitHubOidcDeployRole.NewProvider(this, "Provider").AttrArn : null);
        Roles = targets.Select(target => new GitHubOidcDeployRole(this, hub ? "DeployRole" + target : "DeployRole", new GitHubOidcDeployRoleProps
        {
            Repository = settings.Repository,
            Branches = settings.Branches,
            Environments = settings.EnvironmentsFor(target),
            ExistingProviderArn = providerArn,
            Names = hub ? names.ForEnvironment(target) : names,
            BootstrapEnvironments = GitHubDeploySettings.BootstrapEnvironments(props.Services, target),
            Tags = tags,
        })).ToList();
        ProviderArn = providerArn ?? Roles[0].ProviderArn;

        tags.ApplyTo(this);
        Guardrails.ApplyPermissionsBoundary(this, settings.BoundaryFor(props.Services));
        RoleNames.ApplyTo(this, names);
        KeyGrantPolicy.ApplyTo(this);
    }

    /// <summary>
    /// Names of the app-wide deploy resources: service "slipway", with the services' company
    /// prefix when they share one.
    /// </summary>
    public static ResourceNames NamesFor(IReadOnlyList<ServiceDefinition> services, string suffix) =>
        new("slipway", null, suffix, Common(services, s => s.Company));

    private static string? Common(IReadOnlyList<ServiceDefinition> services, Func<ServiceDefinition, string?> value) =>
        services.Select(value).Distinct().ToList() is [{ } single] ? single : null;
}
