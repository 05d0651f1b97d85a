using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// Limits grant creation on every KMS key of a stack to AWS services: the account statement CDK
/// writes (<c>kms:*</c> for the account root) becomes "every action but <c>kms:CreateGrant</c>",
/// and one statement allows <c>kms:CreateGrant</c> only with <c>kms:GrantIsForAWSResource</c>.
/// </summary>
/// <remarks>
/// Landing zones enforce this (AWS Control Tower CT.KMS.PV.1, "Require an AWS KMS key policy to
/// have a statement that limits creation of AWS KMS grants to AWS services":
/// https://docs.aws.amazon.com/controltower/latest/controlreference/ct-kms-pv-1.html). Services
/// integrated with KMS (for example DynamoDB or EBS) still create grants on a caller's behalf;
/// nothing else may (https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html).
/// Applied when the app is synthesized, with the marker-construct pattern of
/// <see cref="DestroyOnDelete"/>, so keys added after <see cref="ApplyTo"/> are covered too.
/// </remarks>
public sealed class KeyGrantPolicy : DeputyBase, IAspect
{
    /// <summary>The id of the marker construct <see cref="ApplyTo"/> adds under the scope.</summary>
    public const string MarkerId = "KeyGrantPolicy";

    /// <summary>The Sid of the statement that allows grants for AWS resources only.</summary>
    public const string GrantStatementSid = "AllowGrantsForAwsServicesOnly";

    private readonly IConstruct _scope;

    private KeyGrantPolicy(IConstruct scope) => _scope = scope;

    /// <summary>Applies the policy to every key under <paramref name="scope"/> (once, however often it is called).</summary>
    public static void ApplyTo(IConstruct scope)
    {
        if (scope is not Construct parent)
        {
            throw new ArgumentException($"{scope.Node.Path} is not a construct that can hold children.", nameof(scope));
        }
        if (parent.Node.TryFindChild(MarkerId) is not null)
        {
            return;
        }
        Aspects.Of(new Construct(parent, MarkerId)).Add(new KeyGrantPolicy(parent));
    }

    /// <inheritdoc />
    public void Visit(IConstruct node)
    {
        foreach (var key in _scope.Node.FindAll().OfType<Key>())
        {
            Limit(key);
        }
    }

    private static void Limit(Key key)
    {
        var stack = Stack.Of(key);
        var cfn = (CfnKey)key.Node.DefaultChild!;
        // CDK v2 (@aws-cdk/aws-kms:defaultKeyPolicies) writes the account statement first:
        // { Principal: { AWS: <account root> }, Action: "kms:*", Resource: "*" }. A key whose
        // policy was written by hand may have it elsewhere or not at all; any unconditional
        // kms:* statement becomes "everything but CreateGrant" (the template tests then check no
        // other statement allows CreateGrant).
        var resolved = stack.Resolve(cfn.KeyPolicy!);
        var policy = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(resolved))!.AsObject();
        var statements = policy["Statement"]!.AsArray();
        foreach (var (statement, i) in statements.Select((x, i) => (x!.AsObject(), i)))
        {
            var everything = statement["Action"]?.ToJsonString() is "\"kms:*\"" or "[\"kms:*\"]";
            if (everything && statement["Effect"]?.GetValue<string>() == "Allow" && statement["Condition"] is null)
            {
                cfn.AddPropertyDeletionOverride($"KeyPolicy.Statement.{i}.Action");
                cfn.AddPropertyOverride($"KeyPolicy.Statement.{i}.NotAction", "kms:CreateGrant");
            }
        }
        cfn.AddPropertyOverride($"KeyPolicy.Statement.{statements.Count}", new Dictionary<string, object>
        {
            ["Sid"] = GrantStatementSid,
            ["Effect"] = "Allow",
            ["Principal"] = new Dictionary<string, object> { ["AWS"] = $"arn:{stack.Partition}:iam::{stack.Account}:root" },
            ["Action"] = "kms:CreateGrant",
            ["Resource"] = "*",
            ["Condition"] = new Dictionary<string, object>
            {
                ["Bool"] = new Dictionary<string, object> { ["kms:GrantIsForAWSResource"] = "true" },
            },
        });
    }
}
