using Slipway.Access;
using Slipway.Conventions;
using Slipway.Stacks;

namespace Slipway.Model;

/// <summary>A GitHub Environment whose deploy jobs may assume a deploy role.</summary>
/// <param name="Name">The environment's name, as under the repository's Settings &gt; Environments.</param>
/// <param name="Account">
/// The account its jobs deploy to: only that account's deploy role trusts it. Null: every deploy
/// role trusts it (allowed only when the stacks use a single account).
/// </param>
[ManifestScalarForm(nameof(Name))]
public sealed record GitHubEnvironment(string Name, string? Account = null);

/// <summary>
/// Deploying the app from GitHub Actions with OIDC: the C# form of the <c>github:</c> section of
/// <c>slipway.yaml</c>. <see cref="SlipwayStacks.AddGitHubDeploy"/> turns it into one
/// <see cref="GitHubDeployStack"/> per account that workflows deploy to, each with GitHub's OIDC
/// provider and a <see cref="GitHubOidcDeployRole"/> that may deploy that account's stacks.
/// </summary>
/// <remarks>
/// A role may reach the accounts of its account's stacks and of the stacks those depend on. A
/// service's pipeline stack depends on all its runtime stacks, so the role of the pipeline's
/// account reaches every environment of that service: trust it only from the GitHub Environment
/// that deploys last (production).
/// </remarks>
public sealed class GitHubDeploySettings
{
    /// <summary>The repository whose workflows deploy: <c>OWNER/REPO</c>, spelled as on GitHub.</summary>
    public required string Repository { get; init; }

    /// <summary>
    /// Branches whose jobs without a GitHub Environment may deploy, in every account. Such jobs
    /// pass no reviewers: use an empty list when every deploy job names an environment.
    /// </summary>
    /// <remarks>Default: ["main"].</remarks>
    public IReadOnlyList<string> Branches { get; init; } = DefaultBranches;

    /// <summary>The branches trusted by default.</summary>
    public static IReadOnlyList<string> DefaultBranches { get; } = new[] { "main" };

    /// <summary>The GitHub Environments whose jobs may deploy, each with the account it deploys to.</summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyList<GitHubEnvironment> Environments { get; init; } = Array.Empty<GitHubEnvironment>();

    /// <summary>
    /// ARNs of GitHub OIDC providers that already exist, at most one per account: that account
    /// imports its provider instead of creating one (an account holds one provider per URL).
    /// </summary>
    /// <remarks>Default: none; every account gets a new provider.</remarks>
    [ManifestName("existingProviderArn")]
    [ManifestItemOrList]
    public IReadOnlyList<string> ExistingProviderArns { get; init; } = Array.Empty<string>();

    /// <summary>
    /// One account to hold every deploy role (and the only provider), instead of one role per
    /// account. Its roles assume the bootstrap roles of the other accounts, which must then be
    /// bootstrapped with <c>--trust ACCOUNT</c>.
    /// </summary>
    /// <remarks>Default: none; each account holds its own provider and role.</remarks>
    public string? Account { get; init; }

    /// <summary>The region of the deploy stacks (IAM is global; a stack still needs a region).</summary>
    /// <remarks>Default: the region of the first stack in that account (the first service's pipeline region in the hub account).</remarks>
    public string? Region { get; init; }

    /// <summary>A managed policy name applied as permissions boundary to the deploy roles.</summary>
    /// <remarks>Default: the services' <see cref="ServiceDefinition.PermissionsBoundaryPolicyName"/> when exactly one is set; otherwise none.</remarks>
    [ManifestIgnore]
    public string? PermissionsBoundaryPolicyName { get; init; }

    /// <summary>Every account the services' stacks are deployed to, pipelines' first.</summary>
    public static IReadOnlyList<string> DeployAccounts(IEnumerable<ServiceDefinition> services) =>
        services.SelectMany(StacksOf).Select(e => e.Account).Distinct().ToList();

    /// <summary>
    /// True when some workflow may deploy to <paramref name="targetAccount"/>: a branch (trusted
    /// everywhere) or an environment of that account. Accounts nobody deploys to directly get no
    /// role; their stacks may still be reached as dependencies (see <see cref="BootstrapEnvironments"/>).
    /// </summary>
    public bool DeploysTo(string targetAccount) => Branches.Count > 0 || EnvironmentsFor(targetAccount).Count > 0;

    /// <summary>The accounts that hold deploy roles: the hub <see cref="Account"/>, or every account a workflow deploys to.</summary>
    public IReadOnlyList<string> HostAccounts(IEnumerable<ServiceDefinition> services)
    {
        var targets = DeployAccounts(services).Where(DeploysTo).ToList();
        return Account is { } hub ? (targets.Count > 0 ? new[] { hub } : Array.Empty<string>()) : targets;
    }

    /// <summary>The accounts whose stacks the roles in <paramref name="hostAccount"/> deploy: one role each.</summary>
    public IReadOnlyList<string> TargetAccounts(IEnumerable<ServiceDefinition> services, string hostAccount) =>
        (Account is null ? new[] { hostAccount } : DeployAccounts(services)).Where(DeploysTo).ToList();

    /// <summary>
    /// The environments whose bootstrap roles the role for <paramref name="targetAccount"/> may
    /// assume: where that account's stacks live and, for a pipeline stack, where its runtime stacks
    /// live (the pipeline stack depends on them, and <c>cdk deploy</c> deploys dependencies first).
    /// </summary>
    public static IReadOnlyList<AccountRegion> BootstrapEnvironments(IEnumerable<ServiceDefinition> services, string targetAccount) =>
        services.SelectMany(s => s.ToolingAccount == targetAccount ? StacksOf(s) : StacksOf(s).Where(e => e.Account == targetAccount))
            .Distinct().ToList();

    /// <summary>The names of the GitHub Environments the role for <paramref name="targetAccount"/> trusts.</summary>
    public IReadOnlyList<string> EnvironmentsFor(string targetAccount) =>
        Environments.Where(e => e.Account is null || e.Account == targetAccount).Select(e => e.Name).Distinct().ToList();

    /// <summary>The existing provider of <paramref name="hostAccount"/>, or null to create one.</summary>
    public string? ExistingProviderArnIn(string hostAccount) =>
        ExistingProviderArns.FirstOrDefault(a => GitHubIdentifiers.AccountOfProviderArn(a) == hostAccount);

    /// <summary>The region of the deploy stack in <paramref name="hostAccount"/>.</summary>
    public string HomeRegion(IEnumerable<ServiceDefinition> services, string hostAccount) =>
        Region ?? services.SelectMany(StacksOf).FirstOrDefault(e => e.Account == hostAccount)?.Region
        ?? services.Select(s => s.ToolingRegion).FirstOrDefault() ?? "us-east-1";

    /// <summary>The boundary in effect for the deploy roles.</summary>
    public string? BoundaryFor(IEnumerable<ServiceDefinition> services)
    {
        var boundaries = services.Select(s => s.PermissionsBoundaryPolicyName).OfType<string>().Distinct().ToList();
        return PermissionsBoundaryPolicyName ?? (boundaries.Count == 1 ? boundaries[0] : null);
    }

    /// <summary>The root of the C# property paths of problems for C# callers (<c>GitHubDeploySettings.Environments[0].Account</c>).</summary>
    public const string CSharpRoot = nameof(GitHubDeploySettings);

    /// <summary>A validator whose problems name their fields by C# property path under <see cref="CSharpRoot"/>; pass <see cref="CSharpRoot"/> as the path.</summary>
    internal Validator CSharpValidator() => new() { Rewrite = problem => ModelFields.ToCSharp(problem, CSharpRoot, typeof(GitHubDeploySettings), this) };

    /// <summary>Checks everything against <paramref name="services"/>, collecting problems under <paramref name="path"/> (manifest-form field names).</summary>
    internal void Validate(Validator v, string path, IReadOnlyList<ServiceDefinition> services)
    {
        GitHubIdentifiers.ValidateRepository(v, Repository, $"{path}.repository");
        foreach (var (branch, i) in Branches.Select((b, i) => (b, i)))
        {
            GitHubIdentifiers.ValidateBranch(v, branch, $"{path}.branches[{i}]");
        }
        if (Account is not null)
        {
            v.AccountId(Account, $"{path}.account");
        }
        if (Region is not null)
        {
            v.Region(Region, $"{path}.region");
        }

        var deployAccounts = DeployAccounts(services);
        if (!v.Require(deployAccounts.Count > 0, path, "(no services)",
                "needs at least one service: the deploy roles are made for the accounts the services' stacks use. Add a service."))
        {
            return;
        }
        var accountList = string.Join(", ", deployAccounts);
        foreach (var (environment, i) in Environments.Select((e, i) => (e, i)))
        {
            if (environment.Account is null)
            {
                GitHubIdentifiers.ValidateEnvironmentName(v, environment.Name, $"{path}.environments[{i}]");
                // An environment trusted in every account would let its jobs deploy to production
                // without production's reviewers.
                v.Require(deployAccounts.Count == 1, $"{path}.environments[{i}]", environment.Name,
                    $"names no account, but the stacks use {deployAccounts.Count} accounts ({accountList}): every deploy role would trust it, so its jobs could deploy to every account without the other environments' reviewers. "
                    + (AccountFor(environment.Name, services) is { } account
                        ? $"Write {{name: {environment.Name}, account: \"{account.Account}\"}}: {account.Why}."
                        : $"Write {{name: {environment.Name}, account: \"ACCOUNT\"}} with the account its jobs deploy to: {AccountChoices(services, deployAccounts)}."));
                continue;
            }
            GitHubIdentifiers.ValidateEnvironmentName(v, environment.Name, $"{path}.environments[{i}].name");
            if (v.AccountId(environment.Account, $"{path}.environments[{i}].account"))
            {
                v.Require(deployAccounts.Contains(environment.Account), $"{path}.environments[{i}].account", environment.Account,
                    "is not an account of this app's stacks. " + (AccountFor(environment.Name, services) is { } account
                        ? $"Use \"{account.Account}\", {account.Why}."
                        : $"Use {AccountChoices(services, deployAccounts)}."));
            }
        }

        var hosts = HostAccounts(services);
        foreach (var (arn, i) in ExistingProviderArns.Select((a, i) => (a, i)))
        {
            var field = ExistingProviderArns.Count == 1 ? $"{path}.existingProviderArn" : $"{path}.existingProviderArn[{i}]";
            if (!GitHubIdentifiers.ValidateProviderArn(v, arn, field) || Validator.IsToken(arn))
            {
                continue;
            }
            var account = GitHubIdentifiers.AccountOfProviderArn(arn)!;
            v.Require(hosts.Contains(account), field, arn,
                $"is in account {account}, which holds no deploy role (they are in {string.Join(", ", hosts)}). Give the provider ARN of one of those accounts, or remove it.");
            v.Require(ExistingProviderArns.Take(i).All(a => GitHubIdentifiers.AccountOfProviderArn(a) != account), field, arn,
                $"is a second provider for account {account}. An account has one GitHub provider: keep one ARN per account.");
        }

        v.Require(hosts.Count > 0, $"{path}.branches", Branches,
            $"and no GitHub Environment deploys to an account of this app ({accountList}), so no workflow could deploy. List the GitHub Environments of the deploy jobs with their accounts, for example {{name: production, account: \"{deployAccounts[0]}\"}}, or a branch such as \"main\".");
    }

    /// <summary>
    /// The account whose deploy role a GitHub Environment named <paramref name="name"/> should
    /// use, with the reason: the account of the services' environments of that name; for
    /// production, the pipeline's account (its role reaches every environment the pipeline
    /// depends on, so only production's reviewers may gate it). Null when the name matches no
    /// environment, or environments in different accounts.
    /// </summary>
    private static (string Account, string Why)? AccountFor(string name, IReadOnlyList<ServiceDefinition> services)
    {
        var production = name is "prod" or "production";
        var matches = services.SelectMany(s => s.Environments
                .Where(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase) || (production && e.IsProduction))
                .Select(e => e.IsProduction
                    ? (s.ToolingAccount, "the pipeline's account: production jobs deploy the pipeline stack, which depends on every environment's stack")
                    : (e.Account, $"the account of the {e.Name} stacks")))
            .Distinct().ToList();
        return matches.Select(m => m.Item1).Distinct().Count() == 1 ? matches[0] : null;
    }

    // "one of A, B (C holds the pipeline: ...)": never the pipeline's account as a plain choice.
    private static string AccountChoices(IReadOnlyList<ServiceDefinition> services, IReadOnlyList<string> deployAccounts)
    {
        var tooling = services.Select(s => s.ToolingAccount).Distinct().ToList();
        var others = deployAccounts.Except(tooling).ToList();
        return others.Count == 0
            ? $"one of {string.Join(", ", deployAccounts)}"
            : $"one of {string.Join(", ", others)} ({string.Join(", ", tooling)} {(tooling.Count == 1 ? "holds the pipeline" : "hold the pipelines")}, whose role reaches every environment: map it to production only)";
    }

    // A pipeline stack (tooling account) and one runtime stack per environment.
    private static IEnumerable<AccountRegion> StacksOf(ServiceDefinition s) =>
        s.Environments.Select(e => new AccountRegion(e.Account, e.Region)).Prepend(new AccountRegion(s.ToolingAccount, s.ToolingRegion));
}

/// <summary>An AWS account and region: where CDK stacks are bootstrapped and deployed.</summary>
/// <param name="Account">The 12-digit account id.</param>
/// <param name="Region">The region name.</param>
public sealed record AccountRegion(string Account, string Region);
