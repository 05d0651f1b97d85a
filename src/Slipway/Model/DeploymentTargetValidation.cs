using Slipway.Conventions;

namespace Slipway.Model;

/// <summary>
/// The checks of one environment of a manifest or a <see cref="ServiceDefinition"/>, by its
/// manifest path. Moved here unchanged from <c>BlueGreenServiceProps.Validate</c>: the runtime
/// constructs take narrow props and no longer see a <see cref="DeploymentTarget"/>.
/// </summary>
/// <remarks>Transitional: the model's own validation of <see cref="DeploymentTarget"/> replaces it.</remarks>
public static class DeploymentTargetValidation
{
    /// <summary>Validates the props, collecting every problem under <paramref name="path"/>.</summary>
    /// <param name="target">The environment.</param>
    /// <param name="container">The service's container settings, which the environment inherits from.</param>
    /// <param name="v">Collects the problems.</param>
    /// <param name="path">The environment's path, for example <c>services[0].environments[1]</c>.</param>
    /// <param name="containerPath">The container settings' path, named when an inherited value is wrong.</param>
    public static void Validate(DeploymentTarget target, ContainerSettings container, Validator v, string path, string containerPath = "container")
    {
        v.DnsLabel(target.Name, $"{path}.name", 20);
        v.AccountId(target.Account, $"{path}.account");
        v.Region(target.Region, $"{path}.region");
        var net = target.Network;
        v.Port(net.TestListenerPort, $"{path}.network.testListenerPort");
        v.Require(net.TestListenerPort != net.ProductionPort && !(net.CertificateArn is not null && net.TestListenerPort == 80),
            $"{path}.network.testListenerPort", net.TestListenerPort,
            $"clashes with the production listener (port {net.ProductionPort}{(net.CertificateArn is null ? "" : " and the HTTP redirect on 80")}). Choose another port, for example 9000.");
        v.Require(net.NatGateways is null or >= 0 and <= 2, $"{path}.network.natGateways", net.NatGateways,
            "must be 0, 1 or 2 (the VPC spans two availability zones).");
        v.Require(net.NatGateways != 0 || net.ExistingVpc is not null, $"{path}.network.natGateways", net.NatGateways,
            "is 0 but the tasks run in private subnets and must pull images. Use 1 or more, or bring an existing VPC with its own egress.");
        v.Require(System.Net.IPNetwork.TryParse(net.VpcCidr, out var cidr) && cidr.PrefixLength is >= 16 and <= 24,
            $"{path}.network.vpcCidr", net.VpcCidr, "must be an IPv4 CIDR from /16 to /24, for example \"10.0.0.0/16\".");
        foreach (var (c, i) in (net.TestListenerCidrs ?? Array.Empty<string>()).Select((c, i) => (c, i)))
        {
            v.Require(System.Net.IPNetwork.TryParse(c, out _), $"{path}.network.testListenerCidrs[{i}]", c,
                "is not a CIDR. Use a form such as \"10.0.0.0/8\".");
        }
        if (net.CertificateArn is { } cert && !Validator.IsToken(cert))
        {
            v.Require(cert.StartsWith("arn:aws", StringComparison.Ordinal) && cert.Contains(":acm:", StringComparison.Ordinal) && cert.Contains(":certificate/", StringComparison.Ordinal),
                $"{path}.network.certificateArn", cert, "is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID).");
        }
        if (net.AvailabilityZones is { } zones)
        {
            AvailabilityZoneSettings.Validate(target, zones, v, $"{path}.network.availabilityZones");
        }
        if (net.Shared)
        {
            v.Require(net.ExistingVpc is null, $"{path}.network.shared", true,
                "cannot be combined with network.existingVpc: remove one (shared creates one VPC per account and environment; existingVpc brings yours).");
            v.Require(net.AvailabilityZones is not null, $"{path}.network.shared", true,
                "needs network.availabilityZones, which is not set: the services' stacks import the shared VPC's subnets, one per zone. List the zones, as aws ec2 describe-availability-zones shows them for the account.");
        }
        if (net.ExistingVpc is { } vpc)
        {
            v.Require(vpc.VpcId.StartsWith("vpc-", StringComparison.Ordinal), $"{path}.network.existingVpc.vpcId", vpc.VpcId, "is not a VPC id (vpc-...).");
            v.Require(vpc.PrivateSubnetIds.Count >= 2 && vpc.PrivateSubnetIds.All(s => s.StartsWith("subnet-", StringComparison.Ordinal)),
                $"{path}.network.existingVpc.privateSubnetIds", vpc.PrivateSubnetIds, "must list at least two subnet ids (subnet-...), one per availability zone.");
            v.Require(System.Net.IPNetwork.TryParse(vpc.Cidr ?? "", out _), $"{path}.network.existingVpc.cidr", vpc.Cidr, "must be the VPC's IPv4 CIDR, for example \"10.0.0.0/16\".");
            v.Require(vpc.PublicSubnetIds.Count == vpc.PrivateSubnetIds.Count && vpc.AvailabilityZones.Count == vpc.PrivateSubnetIds.Count,
                $"{path}.network.existingVpc", vpc.VpcId, "needs as many public subnets and availability zones as private subnets, in the same order.");
        }
        v.Require(target.TerminationWaitMinutes is null or >= 0 and <= 2880, $"{path}.terminationWaitMinutes", target.TerminationWaitMinutes,
            "must be from 0 to 2880 minutes (CodeDeploy's limit is two days).");
        v.Require(target.DesiredCount is null or >= 1 and <= 100, $"{path}.desiredCount", target.DesiredCount, "must be from 1 to 100.");
        ContainerSettings.ValidateEnvironment(target.Environment, v, $"{path}.environment");
        if (target.TrafficShifting is { Kind: not TrafficShiftingKind.AllAtOnce } ts)
        {
            v.Require(ts.Percentage is >= 1 and <= 99, $"{path}.trafficShifting.percentage", ts.Percentage, "must be from 1 to 99.");
            v.Require(ts.IntervalMinutes is >= 1 and <= 2880, $"{path}.trafficShifting.minutes", ts.IntervalMinutes, "must be from 1 to 2880.");
        }
        if (target.IntegrationTests is { } it)
        {
            v.Require(it.Command.Count > 0 && it.Command.All(c => !string.IsNullOrWhiteSpace(c)), $"{path}.integrationTests.command", it.Command,
                "must be a non-empty command, for example [\"python\", \"integration/run_integration.py\"].");
        }
        if (target.Cpu is not null || target.Memory is not null)
        {
            ContainerSettings.ValidateSize(target.Cpu ?? container.Cpu, target.Memory ?? container.Memory, v, path,
                cpuFrom: target.Cpu is null ? $"{containerPath}.cpu" : null, memoryFrom: target.Memory is null ? $"{containerPath}.memory" : null);
        }
    }
}
