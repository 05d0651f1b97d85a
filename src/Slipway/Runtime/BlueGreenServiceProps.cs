using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Slipway.Conventions;
using Slipway.Model;

namespace Slipway.Runtime;

/// <summary>Props of <see cref="BlueGreenService"/>.</summary>
public sealed class BlueGreenServiceProps
{
    /// <summary>Physical names for this service and environment.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>The environment deployed to.</summary>
    public required DeploymentTarget Target { get; init; }

    /// <summary>What runs in the tasks (used here for the port and health check only).</summary>
    public required ContainerSettings Container { get; init; }

    /// <summary>The ECR repository ARN the tasks' images come from; the execution role may pull from it.</summary>
    public required string ImageRepositoryArn { get; init; }

    /// <summary>The compliance profile hardened beyond the defaults (a web ACL on the load balancer, the profile's accepted findings).</summary>
    /// <remarks>Default: <see cref="CompliancePack.None"/>.</remarks>
    public CompliancePack Compliance { get; init; } = CompliancePack.None;

    /// <summary>A VPC to use.</summary>
    /// <remarks>Default: <see cref="NetworkSettings.ExistingVpc"/> if set, else a new VPC.</remarks>
    public IVpc? Vpc { get; init; }

    /// <summary>A cluster to use.</summary>
    /// <remarks>Default: <see cref="NetworkSettings.ExistingClusterName"/> if set, else a new cluster.</remarks>
    public ICluster? Cluster { get; init; }

    /// <summary>Validates the props, collecting every problem under <paramref name="path"/>.</summary>
    /// <param name="target">The environment.</param>
    /// <param name="container">The service's container settings, which the environment inherits from.</param>
    /// <param name="v">Collects the problems.</param>
    /// <param name="path">The environment's path, for example <c>services[0].environments[1]</c>.</param>
    /// <param name="containerPath">The container settings' path, named when an inherited value is wrong.</param>
    public static void Validate(DeploymentTarget target, ContainerSettings container, Validator v, string path, string containerPath = "container") =>
        target.Validate(container, v, path, containerPath);
}
