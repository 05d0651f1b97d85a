using Amazon.CDK;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// Makes every resource destroyable: <see cref="RemovalPolicy.DESTROY"/> on each CloudFormation
/// resource (test and preview environments must tear down cleanly). Buckets and repositories are
/// emptied on delete by the constructs that create them.
/// </summary>
/// <remarks>
/// The policy is applied when the app is synthesized (CDK's aspect phase), so resources added to
/// the scope after <see cref="ApplyTo"/> are covered too. An aspect written in C# is called back
/// from the JavaScript runtime for every construct it is attached to, and each call back is a
/// round trip that costs about as much as creating a construct. So the aspect is attached to one
/// empty marker construct under the scope: it runs once, and then walks the scope's constructs in
/// a single call.
/// </remarks>
public sealed class DestroyOnDelete : DeputyBase, IAspect
{
    /// <summary>The id of the marker construct <see cref="ApplyTo"/> adds under the scope.</summary>
    public const string MarkerId = "DestroyOnDelete";

    private readonly IConstruct _scope;

    private DestroyOnDelete(IConstruct scope) => _scope = scope;

    /// <summary>Applies the policy to every CloudFormation resource under <paramref name="scope"/> (once, however often it is called).</summary>
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
        Aspects.Of(new Construct(parent, MarkerId)).Add(new DestroyOnDelete(parent));
    }

    /// <inheritdoc />
    public void Visit(IConstruct node)
    {
        foreach (var child in _scope.Node.FindAll())
        {
            if (child is CfnResource resource)
            {
                resource.ApplyRemovalPolicy(RemovalPolicy.DESTROY);
            }
        }
    }
}
