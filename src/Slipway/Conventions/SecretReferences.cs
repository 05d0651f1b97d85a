using System.Text.RegularExpressions;

namespace Slipway.Conventions;

/// <summary>
/// Checks of the fields that name a secret: a Secrets Manager secret (name or ARN) or a Parameter
/// Store parameter. Such a field must hold a name, never the secret: a value pasted by mistake
/// would be written into IAM policies, buildspecs and cdk.out. A rejected value is shown only when
/// it looks like a name (<see cref="Validator.Shown"/>).
/// </summary>
internal static partial class SecretReferences
{
    /// <summary>The longest secret name (CreateSecret, <c>Name</c>: 1-512 characters).</summary>
    public const int MaxSecretNameLength = 512;

    /// <summary>The longest parameter name a user may create (PutParameter, <c>Name</c>).</summary>
    public const int MaxParameterNameLength = 1011;

    /// <summary>The deepest parameter hierarchy (PutParameter, <c>Name</c>).</summary>
    public const int MaxParameterDepth = 15;

    /// <summary>
    /// A Secrets Manager secret name or full ARN (in any partition); with
    /// <paramref name="buildSuffix"/>, optionally followed by CodeBuild's
    /// <c>:json-key:version-stage:version-id</c>.
    /// </summary>
    /// <remarks>
    /// "The secret name can contain ASCII letters, numbers, and the following characters: /_+=.@-",
    /// 1-512 characters (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html).
    /// CodeBuild's buildspec form is <c>secret-id:json-key:version-stage:version-id</c>
    /// (https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html, env/secrets-manager).
    /// </remarks>
    internal static bool SecretsManager(Validator v, string? value, string path, bool buildSuffix = false)
    {
        if (Validator.IsToken(value))
        {
            return true;
        }
        var text = value ?? "";
        var (id, suffix) = buildSuffix ? SplitBuildReference(text) : (text, Array.Empty<string>());
        var valid = !Validator.LooksLikeCredential(text) && IsSecretNameOrArn(id)
            && suffix.Length <= 3 && suffix.All(p => !p.Any(char.IsWhiteSpace)) && (suffix.Length == 0 || suffix[^1].Length > 0);
        return v.Require(valid, path, Validator.Shown(value),
            $"is not a Secrets Manager secret name or ARN. A name is 1-{MaxSecretNameLength} ASCII letters, digits and /_+=.@- (for example \"orders/prod/db\"); "
            + "an ARN is arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME"
            + (buildSuffix ? "; either may end with :JSON-KEY (for example \"orders/prod/db:password\")" : "")
            + ". Write the secret's name here, never its value: store the value with `aws secretsmanager create-secret --name orders/prod/db --secret-string ...`.");
    }

    /// <summary>True for a secret name or ARN that is not a credential in a well-known format.</summary>
    public static bool IsSecretNameOrArn(string? id) =>
        id is not null && !Validator.LooksLikeCredential(id) && (SecretName().IsMatch(id) && id.Length <= MaxSecretNameLength || SecretArnPattern().IsMatch(id));

    /// <summary>
    /// A Parameter Store parameter name starting with "/" (or, with <paramref name="pathPrefix"/>,
    /// a path under which parameters live).
    /// </summary>
    /// <remarks>
    /// "Parameter names can include only the following symbols and letters: a-zA-Z0-9_.-" and "/"
    /// between levels, no spaces, at most 15 levels and 1011 characters
    /// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html,
    /// https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html).
    /// The rule that names may not begin with "aws" or "ssm" governs creating parameters; reading
    /// AWS's own (<c>/aws/service/...</c>) is allowed, so it is not applied here.
    /// </remarks>
    internal static bool Parameter(Validator v, string? value, string path, bool pathPrefix = false)
    {
        if (Validator.IsToken(value))
        {
            return true;
        }
        var text = value ?? "";
        var example = pathPrefix ? "/ci/dockerhub" : "/orders/prod/db-password";
        var what = pathPrefix ? "a parameter path starting with \"/\" under which \"username\" and \"password\" exist" : "a parameter name starting with \"/\"";
        if (!Validator.LooksLikeCredential(text) && ParameterName().IsMatch("/" + text) && !text.StartsWith('/'))
        {
            // A name without its leading slash: say just that.
            return v.Require(false, path, Validator.Shown(value), $"must be {what}, for example \"{example}\".");
        }
        var name = pathPrefix ? text.TrimEnd('/') : text;
        var valid = !Validator.LooksLikeCredential(text) && ParameterName().IsMatch(name) && !name.Contains("//", StringComparison.Ordinal)
            && name.Length <= MaxParameterNameLength && name.Count(c => c == '/') <= MaxParameterDepth;
        return v.Require(valid, path, Validator.Shown(value),
            $"is not {what}: \"/\" followed by letters, digits and . - _ /, at most {MaxParameterNameLength} characters and {MaxParameterDepth} levels, for example \"{example}\". "
            + $"Write the parameter's name here, never its value: store the value with `aws ssm put-parameter --type SecureString --name {example}{(pathPrefix ? "/password" : "")} --value ...`.");
    }

    /// <summary>The key read from a JSON secret: it becomes part of the ECS <c>valueFrom</c> (…:secret:NAME:KEY::), so no ":" or spaces.</summary>
    /// <remarks>https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html</remarks>
    internal static bool JsonKey(Validator v, string? value, string path) =>
        Validator.IsToken(value) || v.Require(value is { Length: > 0 and <= 256 } && !Validator.LooksLikeCredential(value) && JsonKeyPattern().IsMatch(value),
            path, Validator.Shown(value),
            "is not a key of a JSON secret. Write the key's name (no spaces or \":\"), for example \"password\", never its value.");

    /// <summary>The ARN of a Parameter Store parameter: an ARN as is; a name, with or without its leading slash, as parameter/NAME.</summary>
    /// <remarks>https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html#awssystemsmanager-resources-for-iam-policies</remarks>
    public static string ParameterArn(string partition, string region, string account, string reference) =>
        reference.StartsWith("arn:", StringComparison.Ordinal)
            ? reference
            : $"arn:{partition}:ssm:{region}:{account}:parameter/{reference.TrimStart('/')}";

    /// <summary>
    /// The ARN of the secret a buildspec reference names. References are
    /// <c>secret-id[:json-key[:version-stage[:version-id]]]</c>, where secret-id is a name or an ARN.
    /// An ARN is used as is (its first seven colon-separated parts); a name becomes
    /// <c>secret:NAME-??????</c>, matching the six random characters Secrets Manager appends
    /// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html).
    /// </summary>
    public static string SecretArn(string partition, string region, string account, string reference)
    {
        var id = SplitBuildReference(reference).Id;
        return id.StartsWith("arn:", StringComparison.Ordinal) ? id : $"arn:{partition}:secretsmanager:{region}:{account}:secret:{id}-??????";
    }

    // secret-id[:json-key[:version-stage[:version-id]]]; an ARN's own colons belong to the id.
    private static (string Id, string[] Suffix) SplitBuildReference(string reference)
    {
        var parts = reference.Split(':');
        var idParts = reference.StartsWith("arn:", StringComparison.Ordinal) ? Math.Min(7, parts.Length) : 1;
        return (string.Join(':', parts.Take(idParts)), parts.Skip(idParts).ToArray());
    }

    [GeneratedRegex("^[A-Za-z0-9/_+=.@-]+$")]
    private static partial Regex SecretName();

    // Partitions: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, ... ; the name may carry Secrets Manager's -XXXXXX suffix.
    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$")]
    private static partial Regex SecretArnPattern();

    [GeneratedRegex("^/[A-Za-z0-9_./-]+$")]
    private static partial Regex ParameterName();

    [GeneratedRegex("^[\\x21-\\x39\\x3b-\\x7e]+$")]
    private static partial Regex JsonKeyPattern();
}
