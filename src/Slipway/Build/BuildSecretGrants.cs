using Amazon.CDK;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.IAM;

namespace Slipway.Build;

/// <summary>
/// The permissions behind a buildspec's <c>env.parameter-store</c> and <c>env.secrets-manager</c>
/// variables. CodeBuild reads them with the project's role before the first phase, and CDK grants
/// nothing for them when the buildspec is an object
/// (https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.env.parameter-store:
/// the service role needs ssm:GetParameters; secrets-manager variables need secretsmanager:GetSecretValue).
/// </summary>
/// <remarks>
/// SecureString parameters and secrets are encrypted with the AWS-managed keys aws/ssm and
/// aws/secretsmanager unless their owner chose a customer-managed key. The AWS-managed keys' policies
/// already let every principal of the account use them through the owning service
/// (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key), so those
/// need no grant. A customer-managed key must be declared (<see cref="BuildSecret.KmsKeyArn"/>,
/// <see cref="RegistryCredentials.KmsKeyArn"/>): it is granted kms:Decrypt only through that service.
/// </remarks>
public static class BuildSecretGrants
{
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
        if (reference.StartsWith("arn:", StringComparison.Ordinal))
        {
            return string.Join(':', reference.Split(':').Take(7));
        }
        var name = reference.Split(':')[0];
        return $"arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-??????";
    }

    /// <summary>Grants <paramref name="project"/> exactly the parameters, secrets and keys its buildspec reads.</summary>
    public static void Grant(IProject project, BuildSpecDocument spec)
    {
        if (spec.ParameterStore.Count == 0 && spec.SecretsManager.Count == 0)
        {
            return;
        }
        var stack = Stack.Of(project);
        var (partition, region, account) = (stack.Partition, stack.Region, stack.Account);
        var parameters = spec.ParameterStore.Values.Select(r => ParameterArn(partition, region, account, r)).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (parameters.Length > 0)
        {
            project.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "ReadBuildParameters",
                Actions = new[] { "ssm:GetParameters" },
                Resources = parameters,
            }));
        }
        var secrets = spec.SecretsManager.Values.Select(r => SecretArn(partition, region, account, r)).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (secrets.Length > 0)
        {
            project.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "ReadBuildSecrets",
                Actions = new[] { "secretsmanager:GetSecretValue" },
                Resources = secrets,
            }));
        }
        foreach (var (service, keys) in new[] { ("ssm", spec.ParameterStoreKeys), ("secretsmanager", spec.SecretsManagerKeys) })
        {
            if (keys.Count == 0)
            {
                continue;
            }
            // Decrypt only on behalf of the service that stores the value.
            project.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = service == "ssm" ? "DecryptBuildParameters" : "DecryptBuildSecrets",
                Actions = new[] { "kms:Decrypt" },
                Resources = keys.Order(StringComparer.Ordinal).ToArray(),
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"{service}.{region}.{stack.UrlSuffix}" },
                },
            }));
        }
    }
}
