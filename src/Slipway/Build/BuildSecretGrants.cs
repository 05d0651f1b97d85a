using Amazon.CDK;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.IAM;
using Slipway.Conventions;
using Slipway.Model;

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
    /// <summary>Grants <paramref name="project"/> exactly the parameters, secrets and keys its buildspec reads.</summary>
    public static void Grant(IProject project, BuildSpecDocument spec)
    {
        if (spec.ParameterStore.Count == 0 && spec.SecretsManager.Count == 0)
        {
            return;
        }
        var stack = Stack.Of(project);
        var (partition, region, account) = (stack.Partition, stack.Region, stack.Account);
        var parameters = spec.ParameterStore.Values.Select(r => SecretReferences.ParameterArn(partition, region, account, r)).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (parameters.Length > 0)
        {
            project.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "ReadBuildParameters",
                Actions = new[] { "ssm:GetParameters" },
                Resources = parameters,
            }));
        }
        var secrets = spec.SecretsManager.Values.Select(r => SecretReferences.SecretArn(partition, region, account, r)).Distinct().Order(StringComparer.Ordinal).ToArray();
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
