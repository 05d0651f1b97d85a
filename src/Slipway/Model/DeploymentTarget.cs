using Slipway.Conventions;
using Slipway.Stacks;
namespace Slipway.Model;

/// <summary>
/// One environment a service is deployed to: an AWS account and region, whether promotion needs
/// approval, how traffic shifts, and what runs there.
/// </summary>
public sealed class DeploymentTarget
{
    /// <summary>Environment name (dev, staging, prod, ...): lowercase letters, digits, hyphens.</summary>
    public required string Name { get; init; }

    /// <summary>The 12-digit AWS account id the environment lives in.</summary>
    public required string Account { get; init; }

    /// <summary>The AWS region the environment lives in.</summary>
    public required string Region { get; init; }

    /// <summary>Whether this environment is production (DORA metrics, safer defaults).</summary>
    /// <remarks>Default: true when <see cref="Name"/> is "prod" or "production".</remarks>
    public bool? Production { get; init; }

    /// <summary>Whether a person must approve before the pipeline deploys here.</summary>
    /// <remarks>
    /// Default: true in production, false elsewhere. An explicit value wins, also in production:
    /// false there deploys every build that passes the earlier environments without a person
    /// (continuous deployment), and <see cref="EnvironmentWarnings"/> reports it (printed by
    /// <c>slipway validate</c> and <c>slipway synth</c>) so it is never a silent surprise.
    /// </remarks>
    public bool? RequiresApproval { get; init; }

    /// <summary>How CodeDeploy shifts traffic.</summary>
    /// <remarks>Default: canary 10% for 5 minutes in production, all at once elsewhere.</remarks>
    public TrafficShifting? TrafficShifting { get; init; }

    /// <summary>How long the old (blue) tasks keep running after traffic has moved, in minutes (0-2880).</summary>
    /// <remarks>Default: 10 in production, 0 elsewhere.</remarks>
    public int? TerminationWaitMinutes { get; init; }

    /// <summary>Number of tasks.</summary>
    /// <remarks>Default: 2 in production, 1 elsewhere.</remarks>
    public int? DesiredCount { get; init; }

    /// <summary>
    /// Integration tests run in a temporary ECS task against the new (green) tasks through the test
    /// listener, before production traffic shifts (see <see cref="IntegrationTestSettings.When"/>).
    /// </summary>
    /// <remarks>Default: none; the deployment's traffic gate runs the smoke test instead (GET the health check path through the test listener).</remarks>
    public IntegrationTestSettings? IntegrationTests { get; init; }

    /// <summary>Network and load balancer settings.</summary>
    /// <remarks>Default: a new VPC, a new cluster, an internet-facing HTTP load balancer.</remarks>
    public NetworkSettings Network { get; init; } = new();

    /// <summary>Environment variables added to (or overriding) the service's for this environment.</summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Task CPU units in this environment.</summary>
    /// <remarks>Default: the service's <see cref="ContainerSettings.Cpu"/>.</remarks>
    public int? Cpu { get; init; }

    /// <summary>Task memory (MiB) in this environment.</summary>
    /// <remarks>Default: the service's <see cref="ContainerSettings.Memory"/>.</remarks>
    public int? Memory { get; init; }

    /// <summary>True for production, by flag or by name.</summary>
    public bool IsProduction => Production ?? Name is "prod" or "production";

    /// <summary>True when promotion into this environment waits for a person.</summary>
    public bool NeedsApproval => RequiresApproval ?? IsProduction;

    /// <summary>The traffic-shifting policy in effect.</summary>
    public TrafficShifting EffectiveTrafficShifting =>
        TrafficShifting ?? (IsProduction ? TrafficShifting.Canary10Percent5Minutes : TrafficShifting.AllAtOnce);

    /// <summary>The termination wait in effect, in minutes.</summary>
    public int EffectiveTerminationWaitMinutes => TerminationWaitMinutes ?? (IsProduction ? 10 : 0);

    /// <summary>The task count in effect.</summary>
    public int EffectiveDesiredCount => DesiredCount ?? (IsProduction ? 2 : 1);

    /// <summary>Checks the environment, collecting every problem under <paramref name="path"/> (manifest-form field names).</summary>
    /// <param name="container">The service's container settings, which the environment inherits from.</param>
    /// <param name="v">Collects the problems.</param>
    /// <param name="path">The environment's path, for example <c>services[0].environments[1]</c>.</param>
    /// <param name="containerPath">The container settings' path, named when an inherited value is wrong.</param>
    internal void Validate(ContainerSettings container, Validator v, string path, string containerPath = "container")
    {
        var target = this;
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

/// <summary>When an environment's integration tests run.</summary>
public enum IntegrationTestTiming
{
    /// <summary>
    /// During the CodeDeploy deployment, in its AfterAllowTestTraffic hook: against the green tasks
    /// through the test listener, before any production request reaches them. A failure or timeout
    /// rolls the deployment back.
    /// </summary>
    [ManifestName("beforeTraffic")]
    BeforeTraffic,

    /// <summary>
    /// After the deployment has shifted production traffic, as a pipeline action against the
    /// production listener: a failure stops promotion but the environment keeps the new build
    /// (the traffic gate still runs the smoke test before the shift).
    /// </summary>
    [ManifestName("afterTraffic")]
    AfterTraffic,
}

/// <summary>Integration tests run as a temporary ECS task from the service's new image.</summary>
public sealed class IntegrationTestSettings
{
    /// <summary>When the tests run.</summary>
    /// <remarks>Default: <see cref="IntegrationTestTiming.BeforeTraffic"/>.</remarks>
    public IntegrationTestTiming When { get; init; } = IntegrationTestTiming.BeforeTraffic;

    /// <summary>True when the tests gate the traffic shift (run by the deployment's hook, not by the pipeline).</summary>
    public bool GateTraffic => When == IntegrationTestTiming.BeforeTraffic;

    /// <summary>The command the test task runs instead of the service (exit code 0 = pass).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Minutes before the test task is stopped and the stage fails (1 to <see cref="MaxTimeoutMinutes"/>).</summary>
    /// <remarks>Default: <see cref="DefaultTimeoutMinutes"/> (15).</remarks>
    public int TimeoutMinutes { get; init; } = DefaultTimeoutMinutes;

    /// <summary>The test timeout used by default, in minutes.</summary>
    public const int DefaultTimeoutMinutes = 15;

    /// <summary>
    /// The longest test timeout. Before the traffic shift, CodeDeploy fails a lifecycle hook that is
    /// not reported within one hour, and the gate needs time to start the task (image pull) and to
    /// notice the timeout (it checks every minute); after the shift, the runner works with a chained
    /// role session, which AWS caps at one hour, and keeps 15 of those minutes to start the task,
    /// stop it and print its logs.
    /// </summary>
    public const int MaxTimeoutMinutes = 45;
}

/// <summary>An existing VPC to deploy into instead of creating one.</summary>
/// <param name="VpcId">The VPC id (vpc-...).</param>
/// <param name="PrivateSubnetIds">Subnets with a route to a NAT gateway, for the tasks (at least 2).</param>
/// <param name="PublicSubnetIds">Public subnets for an internet-facing load balancer (at least 2).</param>
/// <param name="AvailabilityZones">The AZs of the subnets, in the same order.</param>
/// <param name="Cidr">The VPC's IPv4 CIDR (the default source of the test listener and of an internal load balancer).</param>
public sealed record ExistingVpc(string VpcId, IReadOnlyList<string> PrivateSubnetIds, IReadOnlyList<string> PublicSubnetIds, IReadOnlyList<string> AvailabilityZones, string Cidr);

/// <summary>Network and load-balancer settings of an environment.</summary>
public sealed class NetworkSettings
{
    /// <summary>Deploy into this VPC instead of creating one.</summary>
    /// <remarks>Default: a new VPC with public and private subnets in two AZs.</remarks>
    public ExistingVpc? ExistingVpc { get; init; }

    /// <summary>
    /// The availability zones of a new VPC: two or more zone names of the environment's region,
    /// as <c>aws ec2 describe-availability-zones</c> lists them for that account.
    /// </summary>
    /// <remarks>
    /// Default: the zones the CDK context records for the account and region
    /// (<c>availability-zones:account=ACCOUNT:region=REGION</c>, written to cdk.context.json by the
    /// CDK CLI when it synthesizes with credentials for that account); the first two are used.
    /// Without either, synthesis under the CDK CLI asks it to look them up, and synthesis without
    /// it (<c>slipway synth</c>, a C# app run directly) fails: zone names differ per account and
    /// are never guessed. Not used with <see cref="ExistingVpc"/>, which names its own.
    /// </remarks>
    public IReadOnlyList<string>? AvailabilityZones { get; init; }

    /// <summary>
    /// Use the shared network of this account, region and environment name: one VPC stack
    /// (<see cref="SharedNetworkStack"/>) that every service of the app sharing it runs in, instead
    /// of a VPC (and NAT gateways) per service. Its CIDR, NAT gateways and zones are this
    /// environment's <see cref="VpcCidr"/>, <see cref="NatGateways"/> and <see cref="AvailabilityZones"/>
    /// (required), and must be the same for every service that shares it.
    /// </summary>
    /// <remarks>Default: false: a VPC of the service's own in this environment.</remarks>
    public bool Shared { get; init; }

    /// <summary>NAT gateways of a new VPC (0-2).</summary>
    /// <remarks>Default: 2 in production (one per AZ), 1 elsewhere.</remarks>
    public int? NatGateways { get; init; }

    /// <summary>The CIDR of a new VPC.</summary>
    /// <remarks>Default: <see cref="DefaultVpcCidr"/> ("10.0.0.0/16").</remarks>
    public string VpcCidr { get; init; } = DefaultVpcCidr;

    /// <summary>Run in this existing ECS cluster (by name; it must be in the VPC).</summary>
    /// <remarks>Default: a new cluster with Container Insights.</remarks>
    [ManifestName("existingCluster")]
    public string? ExistingClusterName { get; init; }

    /// <summary>Whether the load balancer faces the internet.</summary>
    /// <remarks>Default: <see cref="DefaultInternetFacing"/> (true).</remarks>
    public bool InternetFacing { get; init; } = DefaultInternetFacing;

    /// <summary>An ACM certificate ARN: the production listener serves HTTPS on 443 and port 80 redirects.</summary>
    /// <remarks>Default: none; the production listener serves HTTP on 80.</remarks>
    public string? CertificateArn { get; init; }

    /// <summary>The port of the test listener, where CodeDeploy exposes the green tasks before shifting.</summary>
    /// <remarks>Default: <see cref="DefaultTestListenerPort"/> (9000).</remarks>
    public int TestListenerPort { get; init; } = DefaultTestListenerPort;

    /// <summary>The CIDR of a new VPC by default.</summary>
    public const string DefaultVpcCidr = "10.0.0.0/16";

    /// <summary>Whether the load balancer faces the internet by default.</summary>
    public const bool DefaultInternetFacing = true;

    /// <summary>The test listener's port by default.</summary>
    public const int DefaultTestListenerPort = 9000;

    /// <summary>
    /// CIDRs allowed to reach the test listener, besides the environment's traffic gate (always
    /// admitted: its security group, or the NAT gateways' Elastic IPs of a new VPC). With an
    /// existing VPC behind an internet-facing load balancer, list its NAT gateways' addresses here.
    /// </summary>
    /// <remarks>Default: the VPC's CIDR only.</remarks>
    public IReadOnlyList<string>? TestListenerCidrs { get; init; }

    /// <summary>The NAT gateways a new VPC of <paramref name="target"/> gets: <see cref="NatGateways"/>, else 2 in production and 1 elsewhere.</summary>
    public static int NatGatewaysOf(DeploymentTarget target) => target.Network.NatGateways ?? (target.IsProduction ? 2 : 1);

    /// <summary>The production listener's port: 443 with a certificate, 80 without.</summary>
    public int ProductionPort => CertificateArn is null ? 80 : 443;
}
