using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Slipway.Conventions;
using Slipway.Model;

namespace Slipway.Runtime;

/// <summary>
/// Props of <see cref="BlueGreenService"/>: what it uses and nothing more. Bring a VPC and a
/// cluster, or it makes them (as aws-ecs-patterns' <c>ApplicationLoadBalancedFargateService</c> does).
/// </summary>
public sealed class BlueGreenServiceProps
{
    /// <summary>The container port when none is given.</summary>
    public const int DefaultContainerPort = ContainerSettings.DefaultPort;

    /// <summary>The health check path when none is given.</summary>
    public const string DefaultHealthCheckPath = ContainerSettings.DefaultHealthCheckPath;

    /// <summary>The container name when none is given.</summary>
    public const string DefaultContainerName = ContainerSettings.DefaultContainerName;

    /// <summary>The test listener's port when none is given.</summary>
    public const int DefaultTestListenerPort = NetworkSettings.DefaultTestListenerPort;

    /// <summary>The CIDR of a new VPC when none is given.</summary>
    public const string DefaultVpcCidr = NetworkSettings.DefaultVpcCidr;

    /// <summary>Physical names of the service in its environment (<c>{company}-{service}-{environment}-{resource}-{suffix}</c>).</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>
    /// The ECR repository the pipeline pushes the service's images to: the execution role may pull
    /// from it (in another account, its repository policy must admit the role by name).
    /// </summary>
    public required IRepository ImageRepository { get; init; }

    /// <summary>A VPC to run in: the load balancer in its public subnets (internal: private), the tasks in its private subnets with egress.</summary>
    /// <remarks>Default: a new VPC (<see cref="VpcCidr"/>, <see cref="NatGateways"/>, <see cref="AvailabilityZones"/>) with flow logs of rejected traffic.</remarks>
    public IVpc? Vpc { get; init; }

    /// <summary>The CIDR of the new VPC (used only without <see cref="Vpc"/>).</summary>
    /// <remarks>Default: <see cref="DefaultVpcCidr"/>.</remarks>
    public string VpcCidr { get; init; } = DefaultVpcCidr;

    /// <summary>NAT gateways of the new VPC, 1 or 2 (used only without <see cref="Vpc"/>; the tasks pull images through them).</summary>
    /// <remarks>Default: 1.</remarks>
    public int NatGateways { get; init; } = 1;

    /// <summary>The availability zones of the new VPC (used only without <see cref="Vpc"/>).</summary>
    /// <remarks>Default: the first two zones the stack knows for its account and region (CDK context).</remarks>
    public IReadOnlyList<string>? AvailabilityZones { get; init; }

    /// <summary>A cluster to run in; it must be in <see cref="Vpc"/>.</summary>
    /// <remarks>Default: a new cluster with Container Insights.</remarks>
    public ICluster? Cluster { get; init; }

    /// <summary>The container name in the task definitions (the target groups route to it).</summary>
    /// <remarks>Default: <see cref="DefaultContainerName"/>.</remarks>
    public string ContainerName { get; init; } = DefaultContainerName;

    /// <summary>The port the container listens on (the target groups' port).</summary>
    /// <remarks>Default: <see cref="DefaultContainerPort"/>.</remarks>
    public int ContainerPort { get; init; } = DefaultContainerPort;

    /// <summary>The path the load balancer checks on each task; it must answer 200.</summary>
    /// <remarks>Default: <see cref="DefaultHealthCheckPath"/>.</remarks>
    public string HealthCheckPath { get; init; } = DefaultHealthCheckPath;

    /// <summary>Secrets the task definitions inject (the execution role may read them).</summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyList<ContainerSecret> Secrets { get; init; } = Array.Empty<ContainerSecret>();

    /// <summary>Whether the load balancer faces the internet.</summary>
    /// <remarks>Default: true.</remarks>
    public bool InternetFacing { get; init; } = true;

    /// <summary>An ACM certificate: production serves HTTPS on 443, port 80 redirects to it, and the test listener serves HTTPS too.</summary>
    /// <remarks>Default: none; production serves HTTP on 80.</remarks>
    public ICertificate? Certificate { get; init; }

    /// <summary>The port of the test listener, where the green tasks answer before traffic shifts.</summary>
    /// <remarks>Default: <see cref="DefaultTestListenerPort"/>.</remarks>
    public int TestListenerPort { get; init; } = DefaultTestListenerPort;

    /// <summary>CIDRs the test listener admits (besides a traffic gate, which admits itself).</summary>
    /// <remarks>Default: the VPC's CIDR.</remarks>
    public IReadOnlyList<string>? TestListenerCidrs { get; init; }

    /// <summary>How CodeDeploy shifts production traffic to the green tasks.</summary>
    /// <remarks>Default: <see cref="TrafficShifting.AllAtOnce"/>.</remarks>
    public TrafficShifting TrafficShifting { get; init; } = TrafficShifting.AllAtOnce;

    /// <summary>How long the old (blue) tasks keep running after traffic has moved (0 to 2880 minutes).</summary>
    /// <remarks>Default: 0 minutes.</remarks>
    public Duration? TerminationWait { get; init; }

    /// <summary>Number of tasks (1 to 100).</summary>
    /// <remarks>Default: 1.</remarks>
    public int DesiredCount { get; init; } = 1;

    /// <summary>The compliance profile hardened beyond the defaults (a web ACL on the load balancer, the profile's accepted findings).</summary>
    /// <remarks>Default: <see cref="CompliancePack.None"/>.</remarks>
    public CompliancePack Compliance { get; init; } = CompliancePack.None;

    /// <summary>The tags put on everything the service creates.</summary>
    /// <remarks>Default: Service and Project <see cref="ResourceNames.Service"/>, Environment <see cref="ResourceNames.Environment"/>, CostCenter "unassigned", ManagedBy slipway.</remarks>
    public SlipwayTags? Tags { get; init; }

    /// <summary>
    /// An existing cluster by name, imported in the VPC the service ends up with (the manifest's
    /// <c>network.existingCluster</c>, which may come with a VPC the service creates).
    /// </summary>
    internal string? ExistingClusterName { get; init; }

    /// <summary>Validates the props, collecting every problem under <paramref name="path"/> (C# property names).</summary>
    internal void Validate(Validator v, string path)
    {
        v.Port(ContainerPort, $"{path}.{nameof(ContainerPort)}");
        v.Port(TestListenerPort, $"{path}.{nameof(TestListenerPort)}");
        var productionPort = Certificate is null ? 80 : 443;
        v.Require(TestListenerPort != productionPort && !(Certificate is not null && TestListenerPort == 80),
            $"{path}.{nameof(TestListenerPort)}", TestListenerPort,
            $"clashes with the production listener (port {productionPort}{(Certificate is null ? "" : " and the HTTP redirect on 80")}). Choose another port, for example {DefaultTestListenerPort}.");
        v.DnsLabel(ContainerName, $"{path}.{nameof(ContainerName)}", 255);
        v.Require(HealthCheckPath.StartsWith('/') && HealthCheckPath.Length <= 1024 && !HealthCheckPath.Any(char.IsWhiteSpace) && !HealthCheckPath.Contains('?'),
            $"{path}.{nameof(HealthCheckPath)}", HealthCheckPath, $"must be an absolute URL path without spaces or a query, for example \"{DefaultHealthCheckPath}\".");
        foreach (var (c, i) in (TestListenerCidrs ?? Array.Empty<string>()).Select((c, i) => (c, i)))
        {
            v.Require(Validator.IsToken(c) || System.Net.IPNetwork.TryParse(c, out _), $"{path}.{nameof(TestListenerCidrs)}[{i}]", c,
                "is not a CIDR. Use a form such as \"10.0.0.0/8\".");
        }
        if (Vpc is null)
        {
            v.Require(NatGateways is >= 1 and <= 2, $"{path}.{nameof(NatGateways)}", NatGateways,
                "must be 1 or 2: the new VPC spans two availability zones and its tasks run in private subnets that pull images through a NAT gateway. Bring a VPC with its own egress (Vpc) for none.");
            v.Require(System.Net.IPNetwork.TryParse(VpcCidr, out var cidr) && cidr.PrefixLength is >= 16 and <= 24,
                $"{path}.{nameof(VpcCidr)}", VpcCidr, $"must be an IPv4 CIDR from /16 to /24, for example \"{DefaultVpcCidr}\".");
        }
        if (TerminationWait is { } wait)
        {
            var minutes = wait.ToMinutes(new TimeConversionOptions { Integral = false });
            v.Require(minutes is >= 0 and <= 2880, $"{path}.{nameof(TerminationWait)}", minutes,
                "(minutes) must be from 0 to 2880 minutes (CodeDeploy's limit is two days).");
        }
        v.Require(DesiredCount is >= 1 and <= 100, $"{path}.{nameof(DesiredCount)}", DesiredCount, "must be from 1 to 100.");
        if (TrafficShifting is { Kind: not TrafficShiftingKind.AllAtOnce } ts)
        {
            v.Require(ts.Percentage is >= 1 and <= 99, $"{path}.{nameof(TrafficShifting)}.{nameof(TrafficShifting.Percentage)}", ts.Percentage, "must be from 1 to 99.");
            v.Require(ts.IntervalMinutes is >= 1 and <= 2880, $"{path}.{nameof(TrafficShifting)}.{nameof(TrafficShifting.IntervalMinutes)}", ts.IntervalMinutes, "must be from 1 to 2880.");
        }
    }
}
