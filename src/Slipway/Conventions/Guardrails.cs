using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;

namespace Slipway.Conventions;

/// <summary>Security guardrails applied to the roles Slipway creates.</summary>
internal static class Guardrails
{
    /// <summary>The Sid of the explicit deny every deploying role carries.</summary>
    public const string DenyTerminateInstancesSid = "DenyTerminateInstances";

    /// <summary>
    /// Adds an explicit deny of <c>ec2:TerminateInstances</c>: a deploy role must never be able to
    /// terminate instances, whatever else is granted to it later (an explicit deny always wins).
    /// </summary>
    public static void DenyTerminateInstances(IRole role) =>
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = DenyTerminateInstancesSid,
            Effect = Effect.DENY,
            Actions = new[] { "ec2:TerminateInstances" },
            Resources = new[] { "*" },
        }));

    /// <summary>Applies a permissions boundary (a managed policy name) to every role under <paramref name="scope"/>.</summary>
    public static void ApplyPermissionsBoundary(Construct scope, string? managedPolicyName)
    {
        if (managedPolicyName is { Length: > 0 })
        {
            Amazon.CDK.AWS.IAM.PermissionsBoundary.Of(scope).Apply(ManagedPolicy.FromManagedPolicyName(scope, "PermissionsBoundary", managedPolicyName));
        }
    }
}
