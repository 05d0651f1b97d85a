using System.Text.RegularExpressions;

namespace Slipway.Conventions;

/// <summary>
/// GitHub names a deploy role trusts (repository, branch, GitHub Environment) and the ARN of
/// GitHub's OIDC provider: checked where the model is validated and where the role is built, so the
/// checks live below both.
/// </summary>
internal static partial class GitHubIdentifiers
{
    /// <summary>GitHub Actions' OIDC issuer (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect).</summary>
    public const string Issuer = "token.actions.githubusercontent.com";

    /// <summary>OWNER/REPO, without wildcards: the subject condition must name exactly one repository.</summary>
    internal static bool ValidateRepository(Validator v, string? repository, string path) =>
        Validator.IsToken(repository) || v.Require(repository is not null && RepositoryPattern().IsMatch(repository), path, repository,
            "is not OWNER/REPOSITORY. Name the one repository whose workflows deploy, spelled as on GitHub, for example \"example-org/orders-service\" (no wildcards).");

    /// <summary>A branch name as git allows it, without the characters IAM's StringLike treats as wildcards.</summary>
    internal static bool ValidateBranch(Validator v, string? branch, string path) =>
        Validator.IsToken(branch) || v.Require(branch is not null && BranchPattern().IsMatch(branch) && !branch.StartsWith("refs/", StringComparison.Ordinal)
                && !branch.Contains("..", StringComparison.Ordinal) && !branch.Contains("//", StringComparison.Ordinal)
                && !branch.EndsWith('/') && !branch.EndsWith('.') && !branch.EndsWith(".lock", StringComparison.Ordinal),
            path, branch,
            "is not a branch name. Use the short name of one branch, for example \"main\" or \"release/1.x\": letters, digits and . _ / + # @ -, without spaces, wildcards (* ? [) or refs/heads/.");

    /// <summary>A GitHub Environment name, without the characters IAM's StringLike treats as wildcards.</summary>
    internal static bool ValidateEnvironmentName(Validator v, string? name, string path) =>
        Validator.IsToken(name) || v.Require(name is not null && name.Length <= 255 && EnvironmentPattern().IsMatch(name), path, name,
            "is not a GitHub Environment name. Use the name shown under Settings > Environments, for example \"production\": letters, digits, spaces inside and . _ -, without wildcards (* ?) or colons.");

    /// <summary>The ARN of an IAM OIDC provider for GitHub Actions' issuer.</summary>
    internal static bool ValidateProviderArn(Validator v, string? arn, string path) =>
        Validator.IsToken(arn) || v.Require(arn is not null && ProviderArnPattern().IsMatch(arn), path, arn,
            $"is not the ARN of GitHub's OIDC provider. Copy it from IAM > Identity providers (arn:aws:iam::ACCOUNT:oidc-provider/{Issuer}), or remove the field to create the provider.");

    /// <summary>The account id inside a provider ARN, or null.</summary>
    internal static string? AccountOfProviderArn(string arn) =>
        ProviderArnPattern().Match(arn) is { Success: true } m ? m.Groups["account"].Value : null;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex("^[A-Za-z0-9._+#@-][A-Za-z0-9._/+#@-]*$")]
    private static partial Regex BranchPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]+( [A-Za-z0-9._-]+)*$")]
    private static partial Regex EnvironmentPattern();

    [GeneratedRegex(@"^arn:aws(-cn|-us-gov)?:iam::(?<account>[0-9]{12}):oidc-provider/token\.actions\.githubusercontent\.com$")]
    private static partial Regex ProviderArnPattern();
}
