using System.Text;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// Gives every IAM role in a stack a name under the service's prefix, <see cref="Pattern"/>: the
/// roles Slipway names itself keep their names; every other one (CDK's CodeBuild and CodePipeline
/// action roles, the singleton providers CDK adds for bucket auto-delete, bucket notifications
/// and the default security group) gets <c>{company}-{service}[-{environment}]-{what}-{suffix}</c>.
/// </summary>
/// <remarks>
/// A scoped CDK bootstrap execution policy can then allow the IAM role actions on
/// <c>role/{company}-{service}-*</c> only (README, cross-account delivery): a role with a
/// CloudFormation-generated name (<c>{stack}-{logicalId}-{random}</c>) falls outside it and
/// fails the deployment with AccessDenied. Names come from the construct path, so they are as
/// stable as the logical ids (renaming a role replaces it, as a new logical id does), and
/// over-long ones are shortened with a hash that keeps the prefix. Applied in CDK's aspect phase
/// (as <see cref="DestroyOnDelete"/>, through one marker construct), so roles added after
/// <see cref="ApplyTo"/> are covered too.
/// </remarks>
public sealed class RoleNames : DeputyBase, IAspect
{
    /// <summary>The id of the marker construct <see cref="ApplyTo"/> adds under the stack.</summary>
    public const string MarkerId = "RoleNames";

    /// <summary>Short names for the top-level singletons CDK adds to a stack, by construct id.</summary>
    public static readonly IReadOnlyDictionary<string, string> Singletons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Custom::S3AutoDeleteObjectsCustomResourceProvider"] = "auto-delete-objects",
        ["Custom::ECRAutoDeleteImagesCustomResourceProvider"] = "auto-delete-images",
        ["Custom::VpcRestrictDefaultSGCustomResourceProvider"] = "restrict-default-sg",
        ["BucketNotificationsHandler050a0587b7544547bf325f094a3db834"] = "bucket-notifications",
    };

    private readonly Stack _stack;
    private readonly ResourceNames _names;

    private RoleNames(Stack stack, ResourceNames names)
    {
        _stack = stack;
        _names = names;
    }

    /// <summary>
    /// The IAM resource pattern every role name of <paramref name="names"/> matches:
    /// <c>{company}-{service}-*</c>, or <c>{service}-*</c> without a company. The environment and
    /// the environment suffix follow the prefix, so one pattern covers every environment and copy.
    /// </summary>
    public static string Pattern(ResourceNames names) =>
        (string.IsNullOrEmpty(names.Company) ? "" : names.Company.ToLowerInvariant() + "-") + names.Service.ToLowerInvariant() + "-*";

    /// <summary>Names every unnamed IAM role of <paramref name="stack"/> with <paramref name="names"/> (once, however often it is called).</summary>
    public static void ApplyTo(Stack stack, ResourceNames names)
    {
        if (stack.Node.TryFindChild(MarkerId) is not null)
        {
            return;
        }
        Aspects.Of(new Construct(stack, MarkerId)).Add(new RoleNames(stack, names));
    }

    /// <summary>The name a role at <paramref name="relativePath"/> (its path inside the stack) gets.</summary>
    public static string NameFor(ResourceNames names, string relativePath)
    {
        var parts = relativePath.Split('/').ToList();
        if (Singletons.TryGetValue(parts[0], out var singleton))
        {
            return names.Role(singleton);
        }
        // ".../Role/Resource": the L1 under a Role construct says nothing more.
        if (parts.Count > 1 && parts[^1] == "Resource")
        {
            parts.RemoveAt(parts.Count - 1);
        }
        var slug = new StringBuilder();
        foreach (var part in parts.Select(p => p == "CodePipelineActionRole" ? "action" : p))
        {
            foreach (var c in part.ToLowerInvariant())
            {
                var keep = c is >= 'a' and <= 'z' or >= '0' and <= '9';
                if (keep)
                {
                    slug.Append(c);
                }
                else if (slug.Length > 0 && slug[^1] != '-')
                {
                    slug.Append('-');
                }
            }
            if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }
        return names.Role(slug.ToString().Trim('-'));
    }

    /// <inheritdoc />
    public void Visit(IConstruct node)
    {
        var prefix = _stack.Node.Path + "/";
        foreach (var child in _stack.Node.FindAll())
        {
            if (child is not CfnResource { CfnResourceType: "AWS::IAM::Role" } resource)
            {
                continue;
            }
            if (resource is CfnRole role)
            {
                // CDK's CodeBuild and action roles carry PhysicalName.GENERATE_IF_NEEDED, a token that
                // resolves to no name unless another environment refers to the role (then the
                // generated name is kept: the other stack already uses it).
                if (role.RoleName is { } given && (!Validator.IsToken(given) || _stack.Resolve(given) is not null))
                {
                    continue;
                }
                role.RoleName = ResourceNames.Claim(resource, "IAM role", NameFor(_names, child.Node.Path[prefix.Length..]));
            }
            else
            {
                // CDK's custom resource providers declare their role as a plain CfnResource, without a name.
                resource.AddPropertyOverride("RoleName", ResourceNames.Claim(resource, "IAM role", NameFor(_names, child.Node.Path[prefix.Length..])));
            }
        }
    }
}
