using Amazon.CDK;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// What <see cref="CompliancePack.Nist80053R5"/> changes on a whole stack when it is synthesized:
/// identity policies become customer-managed policies (NIST.800.53.R5-IAMNoInlinePolicy), and
/// the findings the profile accepts are suppressed with their reasons. Hardening that belongs to
/// one construct (KMS on the source bucket, the web ACL, the dead-letter queue) lives in that
/// construct; docs/compliance.md lists both.
/// </summary>
/// <remarks>
/// Applied with the marker-construct pattern of <see cref="DestroyOnDelete"/>: policies added
/// after <see cref="ApplyTo"/> (CDK grants made late in construction) are covered too.
/// </remarks>
public sealed class Nist80053R5Profile : DeputyBase, IAspect
{
    /// <summary>The id of the marker construct <see cref="ApplyTo"/> adds under the scope.</summary>
    public const string MarkerId = "Nist80053R5Profile";

    /// <summary>The reason bucket replication is not used (every bucket of the profile).</summary>
    public const string ReplicationReason =
        "Replication copies every object into a second bucket, normally in another region. Slipway's buckets hold re-creatable pipeline data (artifacts, caches, source archives) or logs " +
        "with a fixed expiry, and the teams require every resource destroyable with the stack; a replica bucket would outlive it. Versioning and noncurrent-version expiry protect against overwrites.";

    private readonly IConstruct _scope;

    private Nist80053R5Profile(IConstruct scope) => _scope = scope;

    /// <summary>Applies the profile to every resource under <paramref name="scope"/> (once, however often it is called).</summary>
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
        Aspects.Of(new Construct(parent, MarkerId)).Add(new Nist80053R5Profile(parent));
    }

    /// <inheritdoc />
    public void Visit(IConstruct node)
    {
        foreach (var resource in _scope.Node.FindAll().OfType<CfnResource>())
        {
            switch (resource.CfnResourceType)
            {
                case "AWS::IAM::Policy":
                    // Same document and attachments, as a customer-managed policy: AWS::IAM::ManagedPolicy
                    // takes PolicyDocument and Roles like AWS::IAM::Policy, and its name is generated
                    // (managed-policy names are account-wide). Every document Slipway writes is far below
                    // the 6,144-character managed-policy quota
                    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
                    resource.AddOverride("Type", "AWS::IAM::ManagedPolicy");
                    resource.AddPropertyDeletionOverride("PolicyName");
                    break;
                case "AWS::S3::Bucket":
                    NagSuppressions.OnResource(resource, "NIST.800.53.R5-S3BucketReplicationEnabled", ReplicationReason);
                    break;
            }
        }
    }
}
