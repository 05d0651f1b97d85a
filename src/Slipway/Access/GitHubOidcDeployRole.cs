using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Slipway.Conventions;
using Slipway.Model;

namespace Slipway.Access;

/// <summary>Props of <see cref="GitHubOidcDeployRole"/>.</summary>
public sealed partial class GitHubOidcDeployRoleProps
{
    /// <summary>The one repository whose workflows may assume the role: <c>OWNER/REPO</c>, spelled as on GitHub (the match is case-sensitive).</summary>
    public required string Repository { get; init; }

    /// <summary>
    /// Branches whose jobs may assume the role. Only jobs that name no GitHub Environment present
    /// the subject <c>repo:OWNER/REPO:ref:refs/heads/BRANCH</c>; such jobs pass no reviewers.
    /// </summary>
    /// <remarks>Default: ["main"]. An empty list admits <see cref="Environments"/> only.</remarks>
    public IReadOnlyList<string> Branches { get; init; } = new[] { "main" };

    /// <summary>
    /// GitHub Environments whose jobs may assume the role: a job that names an environment presents
    /// the subject <c>repo:OWNER/REPO:environment:NAME</c> (not its branch), after the environment's
    /// required reviewers have approved.
    /// </summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyList<string> Environments { get; init; } = Array.Empty<string>();

    /// <summary>
    /// The ARN of the account's existing GitHub OIDC provider, imported instead of created (an
    /// account holds one provider per URL, so a second one fails to deploy).
    /// </summary>
    /// <remarks>Default: a new provider for https://token.actions.githubusercontent.com.</remarks>
    public string? ExistingProviderArn { get; init; }

    /// <summary>Physical names: the role is named <c>Names.Role("github-deploy")</c>.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>
    /// The accounts and regions whose CDK bootstrap roles the role may assume: every environment
    /// that <c>cdk deploy</c> reaches with this role, including those of the stacks the deployed
    /// stacks depend on (the CDK CLI deploys dependencies first).
    /// </summary>
    /// <remarks>Default: the stack's own account and region.</remarks>
    public IReadOnlyList<AccountRegion>? BootstrapEnvironments { get; init; }

    /// <summary>The qualifier those environments were bootstrapped with (<c>cdk bootstrap --qualifier</c>).</summary>
    /// <remarks>Default: hnb659fds, the CDK default.</remarks>
    public string BootstrapQualifier { get; init; } = GitHubOidcDeployRole.DefaultBootstrapQualifier;

    /// <summary>Tags put on the role and the provider.</summary>
    /// <remarks>Default: Environment "tooling", Project and Service <c>Names.Service</c>, CostCenter "unassigned", ManagedBy "slipway".</remarks>
    public SlipwayTags? Tags { get; init; }

    /// <summary>Checks the props, collecting problems under <paramref name="path"/> ("" for bare field names).</summary>
    internal void Validate(Validator v, string path)
    {
        GitHubIdentifiers.ValidateRepository(v, Repository, Join(path, "repository"));
        foreach (var (branch, i) in Branches.Select((b, i) => (b, i)))
        {
            GitHubIdentifiers.ValidateBranch(v, branch, Join(path, $"branches[{i}]"));
        }
        foreach (var (environment, i) in Environments.Select((e, i) => (e, i)))
        {
            GitHubIdentifiers.ValidateEnvironmentName(v, environment, Join(path, $"environments[{i}]"));
        }
        v.Require(Branches.Count + Environments.Count > 0, Join(path, "branches"), Branches,
            "and environments are both empty, so no workflow could assume the role. List the GitHub Environments of the deploy jobs (for example [\"staging\", \"production\"]) or a branch such as \"main\".");
        if (ExistingProviderArn is { } arn)
        {
            GitHubIdentifiers.ValidateProviderArn(v, arn, Join(path, "existingProviderArn"));
        }
        if (BootstrapEnvironments is { } environments)
        {
            v.Require(environments.Count > 0, Join(path, "bootstrapEnvironments"), "[]",
                "is empty, so the role could deploy nowhere. List the account and region of every stack the workflow deploys with it.");
            foreach (var (environment, i) in environments.Select((e, i) => (e, i)))
            {
                v.AccountId(environment.Account, Join(path, $"bootstrapEnvironments[{i}].account"));
                v.Region(environment.Region, Join(path, $"bootstrapEnvironments[{i}].region"));
            }
        }
        v.Require(Validator.IsToken(BootstrapQualifier) || QualifierPattern().IsMatch(BootstrapQualifier ?? ""), Join(path, "bootstrapQualifier"), BootstrapQualifier,
            "is not a CDK bootstrap qualifier (1-10 letters, digits, '_' or '-'). Use the value given to `cdk bootstrap --qualifier`, or omit it for the default hnb659fds.");
    }

    private static string Join(string path, string field) => path.Length == 0 ? field : $"{path}.{field}";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,10}$")]
    private static partial Regex QualifierPattern();
}

/// <summary>
/// The role a GitHub Actions workflow assumes through OIDC (no stored keys) to run <c>cdk deploy</c>:
/// it trusts GitHub's OIDC provider for exactly the listed branches and GitHub Environments of one
/// repository, and may do one thing, assume the CDK bootstrap roles of the environments it deploys
/// to. Everything <c>cdk deploy</c> changes is done by those roles (and the CloudFormation execution
/// role <c>cdk bootstrap</c> set up), so this role needs nothing wider.
/// </summary>
/// <remarks>
/// GitHub's side: https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
/// </remarks>
public sealed class GitHubOidcDeployRole : Construct
{
    /// <summary>GitHub Actions' token issuer, also the prefix of the condition keys.</summary>
    public const string Issuer = GitHubIdentifiers.Issuer;

    /// <summary>The provider URL.</summary>
    public const string IssuerUrl = "https://" + Issuer;

    /// <summary>The audience aws-actions/configure-aws-credentials requests (the provider's client id).</summary>
    public const string Audience = "sts.amazonaws.com";

    /// <summary>The qualifier <c>cdk bootstrap</c> uses unless told otherwise.</summary>
    public const string DefaultBootstrapQualifier = "hnb659fds";

    /// <summary>
    /// Thumbprints of GitHub's certificate chain as GitHub published them (changelog 2022-01-13 and
    /// 2023-06-27). IAM no longer uses them for GitHub: it checks the issuer's certificate against
    /// its own trusted CAs (IAM API reference, UpdateOpenIDConnectProviderThumbprint). The property
    /// is optional in the CloudFormation specification CDK 2.160 carries, but older specifications
    /// required it, and without it IAM fetches a thumbprint at creation: pinned values keep the
    /// template deterministic and deployable wherever the older rule still applies.
    /// </summary>
    public static readonly IReadOnlyList<string> Thumbprints = new[]
    {
        "6938fd4d98bab03faadb97b34396831e3780aea1",
        "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
    };

    /// <summary>The roles <c>cdk bootstrap</c> creates and <c>cdk deploy</c> assumes, in that order of use.</summary>
    public static readonly IReadOnlyList<string> BootstrapRoleKinds = new[] { "deploy", "file-publishing", "image-publishing", "lookup" };

    /// <summary>The role.</summary>
    public Role Role { get; }

    /// <summary>The ARN of the OIDC provider the role trusts (created or imported).</summary>
    public string ProviderArn { get; }

    /// <summary>The provider, when this construct created it; null when imported.</summary>
    public CfnOIDCProvider? Provider { get; }

    /// <summary>The OIDC subjects the role admits, in the order given.</summary>
    public IReadOnlyList<string> Subjects { get; }

    /// <summary>Creates the role, and the provider unless an existing one is given.</summary>
    public GitHubOidcDeployRole(Construct scope, string id, GitHubOidcDeployRoleProps props) : base(scope, id)
    {
        var v = new Validator();
        props.Validate(v, "");
        v.ThrowIfAny();

        var stack = Stack.Of(this);
        // Only the default bootstrap environment is the stack's own: an environment-agnostic
        // stack has no account or region to name its bootstrap roles by.
        var environments = (props.BootstrapEnvironments ?? new[] { StackBootstrapEnvironment() }).Distinct().ToList();
        if (props.ExistingProviderArn is { } existing)
        {
            ProviderArn = existing;
        }
        else
        {
            Provider = NewProvider(this, "Provider");
            ProviderArn = Provider.AttrArn;
        }

        Subjects = props.Branches.Select(b => $"repo:{props.Repository}:ref:refs/heads/{b}")
            .Concat(props.Environments.Select(e => $"repo:{props.Repository}:environment:{e}"))
            .Distinct().ToList();

        Role = new Role(this, "Role", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, $"IAM role in account {stack.Account}", props.Names.Role("github-deploy")),
            // The conditions GitHub and AWS document: the audience, and the subject naming the
            // repository and branch or environment. The subjects contain no wildcard (validated),
            // so StringLike matches each exactly.
            AssumedBy = new FederatedPrincipal(ProviderArn, new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { [$"{Issuer}:aud"] = Audience },
                ["StringLike"] = new Dictionary<string, object> { [$"{Issuer}:sub"] = Subjects.ToArray() },
            }, "sts:AssumeRoleWithWebIdentity"),
            // A workflow job gets credentials for one hour; role chaining into the bootstrap roles
            // is limited to one hour anyway.
            MaxSessionDuration = Duration.Hours(1),
            Description = ResourceNames.Shorten(
                $"Assumed by GitHub Actions in {props.Repository} through OIDC to run cdk deploy through the CDK bootstrap roles of {string.Join(", ", environments.Select(e => $"{e.Account}/{e.Region}"))}.", 1000),
        });
        // The roles `cdk bootstrap` creates, named cdk-QUALIFIER-KIND-role-ACCOUNT-REGION:
        // https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html#bootstrapping-env-roles
        // Listed one by one: a wildcard would also match roles created later under that prefix.
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AssumeCdkBootstrapRoles",
            Actions = new[] { "sts:AssumeRole" },
            Resources = BootstrapRoleArns(environments, props.BootstrapQualifier).ToArray(),
        }));
        Guardrails.DenyTerminateInstances(Role);

        new CfnOutput(this, "RoleArn", new CfnOutputProps
        {
            Value = Role.RoleArn,
            Description = ResourceNames.Shorten(
                $"AWS_DEPLOY_ROLE_ARN for GitHub Actions in {props.Repository} ({string.Join(", ", props.Environments.Select(e => "environment " + e).Concat(props.Branches.Select(b => "branch " + b)))})", 1024),
        });
        ConstructTags.Apply(this, props.Tags, props.Names);
    }

    private AccountRegion StackBootstrapEnvironment()
    {
        var (account, region) = StackEnvironment.Require(this, nameof(GitHubOidcDeployRole), "the OIDC provider's ARN and the roles' trust in that account");
        return new AccountRegion(account, region);
    }

    /// <summary>
    /// A new IAM OIDC provider for GitHub Actions, as the L1 resource: CDK's
    /// <c>OpenIdConnectProvider</c> would add a custom-resource Lambda function to compute
    /// thumbprints that IAM no longer uses for GitHub.
    /// </summary>
    public static CfnOIDCProvider NewProvider(Construct scope, string id) => new(scope, id, new CfnOIDCProviderProps
    {
        Url = IssuerUrl,
        ClientIdList = new[] { Audience },
        ThumbprintList = Thumbprints.ToArray(),
    });

    /// <summary>The ARNs of the bootstrap roles of <paramref name="environments"/>, four per environment.</summary>
    public static IEnumerable<string> BootstrapRoleArns(IEnumerable<AccountRegion> environments, string qualifier = DefaultBootstrapQualifier) =>
        environments.Distinct().SelectMany(e => BootstrapRoleKinds.Select(kind =>
            $"arn:{AwsRegions.PartitionOf(e.Region)}:iam::{e.Account}:role/cdk-{qualifier}-{kind}-role-{e.Account}-{e.Region}"));
}
