using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Runtime;

namespace Slipway.Stacks;

/// <summary>Props of <see cref="SharedNetworkStack"/>.</summary>
public sealed class SharedNetworkStackProps : StackProps
{
    /// <summary>Which shared network.</summary>
    public required SharedNetworkKey Key { get; init; }

    /// <summary>The network settings of the environments that share it (CIDR, NAT gateways, zones).</summary>
    public required NetworkSettings Network { get; init; }

    /// <summary>NAT gateways of the VPC.</summary>
    public required int NatGateways { get; init; }

    /// <summary>A permissions boundary for the stack's roles (managed policy name).</summary>
    /// <remarks>Default: none.</remarks>
    public string? PermissionsBoundaryPolicyName { get; init; }
}

/// <summary>
/// One VPC, with its NAT gateways, that the services of an app share in one account, region and
/// environment (<see cref="NetworkSettings.Shared"/>), instead of one VPC per service and
/// environment. A new account allows 5 VPCs and 5 Elastic IP addresses (one per NAT gateway) per
/// region by default (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html):
/// two or three services with their own networks exceed them.
/// </summary>
/// <remarks>
/// The services' runtime stacks import the VPC through this stack's exports
/// (<c>{stack}:VpcId</c>, <c>:PrivateSubnetIds</c>, <c>:PublicSubnetIds</c>), never through
/// cross-stack tokens: each service is synthesized on its own, and every service that shares the
/// network produces this same stack, byte for byte. CloudFormation keeps the stack from being
/// deleted while a runtime stack imports its values.
/// </remarks>
public sealed class SharedNetworkStack : Stack
{
    /// <summary>The VPC.</summary>
    public Vpc Vpc { get; }

    /// <summary>Which shared network this is.</summary>
    public SharedNetworkKey Key { get; }

    /// <summary>What every environment sharing the network must agree on.</summary>
    public string Fingerprint { get; }

    /// <summary>Creates the stack.</summary>
    public SharedNetworkStack(Construct scope, string id, SharedNetworkStackProps props)
        : base(scope, id, InheritedStackProps.Merge(props, new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = props.Key.Account, Region = props.Key.Region },
            StackName = props.Key.StackName,
            Description = $"Slipway shared network of {props.Key.Environment} ({props.Key.Account}/{props.Key.Region}), used by every service that sets network.shared",
        }, nameof(SharedNetworkStackProps)))
    {
        Key = props.Key;
        Fingerprint = FingerprintOf(props.Network, props.NatGateways, props.PermissionsBoundaryPolicyName);
        var names = props.Key.Names;
        if (props.Network.AvailabilityZones is { } zones)
        {
            Node.SetContext(AvailabilityZoneSettings.ContextKey(props.Key.Account, props.Key.Region), zones.ToArray());
        }
        Vpc = NewVpc.Create(this, names, props.Network.VpcCidr, props.Network.AvailabilityZones, props.NatGateways);
        Export("VpcId", Vpc.VpcId, "The shared VPC");
        Export("PrivateSubnetIds", Fn.Join(",", Vpc.PrivateSubnets.Select(s => s.SubnetId).ToArray()), "Its private subnets, one per zone, in zone order");
        Export("PublicSubnetIds", Fn.Join(",", Vpc.PublicSubnets.Select(s => s.SubnetId).ToArray()), "Its public subnets, one per zone, in zone order");

        Guardrails.ApplyPermissionsBoundary(this, props.PermissionsBoundaryPolicyName);
        DestroyOnDelete.ApplyTo(this);
        KeyGrantPolicy.ApplyTo(this);
        RoleNames.ApplyTo(this, names);
        StackSuppressions.ForCdkProviders(this);
    }

    /// <summary>The export that holds <paramref name="what"/> of the shared network <paramref name="key"/>.</summary>
    public static string ExportName(SharedNetworkKey key, string what) => $"{key.StackName}:{what}";

    /// <summary>
    /// The shared VPC of <paramref name="target"/>, imported into <paramref name="scope"/> by its
    /// exports (the zones are the target's declared ones; validation requires them).
    /// </summary>
    public static IVpc Import(Construct scope, string id, SharedNetworkKey key, DeploymentTarget target)
    {
        var zones = target.Network.AvailabilityZones ?? throw new ArgumentException($"{target.Name}: network.shared needs network.availabilityZones.", nameof(target));
        return Amazon.CDK.AWS.EC2.Vpc.FromVpcAttributes(scope, id, new VpcAttributes
        {
            VpcId = Fn.ImportValue(ExportName(key, "VpcId")),
            VpcCidrBlock = target.Network.VpcCidr,
            AvailabilityZones = zones.ToArray(),
            PrivateSubnetIds = Fn.Split(",", Fn.ImportValue(ExportName(key, "PrivateSubnetIds")), zones.Count),
            PublicSubnetIds = Fn.Split(",", Fn.ImportValue(ExportName(key, "PublicSubnetIds")), zones.Count),
        });
    }

    /// <summary>
    /// The shared network stack of <paramref name="target"/> in <paramref name="app"/>: the one an
    /// earlier service added, or a new one. Fails, naming <paramref name="path"/>, when the earlier
    /// service's environment describes the network differently (in <paramref name="v"/>'s terms).
    /// </summary>
    internal static SharedNetworkStack GetOrAdd(App app, ServiceDefinition definition, DeploymentTarget target, string suffix, Validator v, string path)
    {
        var key = SharedNetworkKey.Of(definition, target, suffix);
        var natGateways = NetworkSettings.NatGatewaysOf(target);
        if (app.Node.TryFindChild(key.StackId) is SharedNetworkStack existing)
        {
            var mine = FingerprintOf(target.Network, natGateways, definition.PermissionsBoundaryPolicyName);
            if (existing.Fingerprint != mine)
            {
                v.Add($"{path}.network.shared", true, Mismatch(key, mine, existing.Fingerprint));
                v.ThrowIfAny();
            }
            return existing;
        }
        return new SharedNetworkStack(app, key.StackId, new SharedNetworkStackProps
        {
            Key = key,
            Network = target.Network,
            NatGateways = natGateways,
            PermissionsBoundaryPolicyName = definition.PermissionsBoundaryPolicyName,
        });
    }

    /// <summary>
    /// Every environment of <paramref name="services"/> that shares a network agrees with the first
    /// one on its settings (the services are synthesized apart, so the CLI checks before it starts).
    /// </summary>
    internal static void CheckConsistent(IReadOnlyList<ServiceDefinition> services, string suffix, Validator v, Func<int, int, string> path)
    {
        var first = new Dictionary<SharedNetworkKey, string>();
        for (var i = 0; i < services.Count; i++)
        {
            for (var j = 0; j < services[i].Environments.Count; j++)
            {
                var target = services[i].Environments[j];
                if (!target.Network.Shared)
                {
                    continue;
                }
                var key = SharedNetworkKey.Of(services[i], target, suffix);
                var mine = FingerprintOf(target.Network, NetworkSettings.NatGatewaysOf(target), services[i].PermissionsBoundaryPolicyName);
                if (first.TryGetValue(key, out var theirs) && theirs != mine)
                {
                    v.Add($"{path(i, j)}.network.shared", true, Mismatch(key, mine, theirs));
                }
                first.TryAdd(key, mine);
            }
        }
    }

    private static string Mismatch(SharedNetworkKey key, string mine, string theirs) =>
        $"shares the network {key.StackName} ({key.Account}/{key.Region}) with an earlier service whose environment describes it " +
        $"differently ({mine} here, {theirs} there). Give every environment that sets network.shared in this account and environment the same " +
        "vpcCidr, natGateways and availabilityZones (and the services the same permissionsBoundary).";

    private static string FingerprintOf(NetworkSettings net, int natGateways, string? boundary) =>
        $"vpcCidr {net.VpcCidr}, natGateways {natGateways}, availabilityZones [{string.Join(", ", net.AvailabilityZones ?? Array.Empty<string>())}]" +
        (boundary is null ? "" : $", permissionsBoundary {boundary}");

    private void Export(string what, string value, string description) =>
        new CfnOutput(this, what, new CfnOutputProps { Value = value, Description = description, ExportName = ExportName(Key, what) });
}
