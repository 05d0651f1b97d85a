using Amazon.CDK;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// Makes every resource destroyable: <see cref="RemovalPolicy.DESTROY"/> on each CloudFormation
/// resource (test and preview environments must tear down cleanly). Buckets and repositories are
/// emptied on delete by the constructs that create them.
/// </summary>
public sealed class DestroyOnDelete : DeputyBase, IAspect
{
    /// <summary>Applies the aspect to every construct under <paramref name="scope"/>.</summary>
    public static void ApplyTo(IConstruct scope) => Aspects.Of(scope).Add(new DestroyOnDelete());

    /// <inheritdoc />
    public void Visit(IConstruct node)
    {
        if (node is CfnResource resource)
        {
            resource.ApplyRemovalPolicy(RemovalPolicy.DESTROY);
        }
    }
}
