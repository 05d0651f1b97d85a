using System.Globalization;
using Slipway.Conventions;
using Slipway.Model;

namespace Slipway.Runtime;

/// <summary>
/// The physical names of the runtime resources that an ordinary manifest edit may replace. Each
/// keeps the readable <c>{company}-{service}-{environment}-{resource}-{suffix}</c> form and ends in
/// a hash of exactly the inputs whose change replaces it (<see cref="ResourceNames.Versioned"/>), so
/// CloudFormation can create the replacement beside the old resource. Names another account or the
/// pipeline must know in advance stay fixed (<see cref="SharedNames"/>); the other
/// fixed names (cluster, roles, log groups, alarms, parameters) belong to resources whose only
/// replacement-causing property is the name itself.
/// </summary>
/// <remarks>
/// Replacement-causing properties (CloudFormation resource specification, as
/// <c>@aws-cdk/aws-service-spec</c> records it; the "Update requires: Replacement" lines of
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticloadbalancingv2-targetgroup.html,
/// ...-elasticloadbalancingv2-loadbalancer.html, ...-ecs-service.html, ...-codedeploy-deploymentconfig.html):
/// <list type="bullet">
/// <item>Load balancer: Name, Scheme, Type. It also belongs to one VPC (its subnets can move within
/// that VPC, not to another), so a new VPC needs a new load balancer.</item>
/// <item>Target group: Name, Port, Protocol, ProtocolVersion, TargetType, VpcId, IpAddressType. A
/// target group serves one load balancer at a time ("Load balancers per target group: 1",
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html), so a
/// new load balancer needs new target groups.</item>
/// <item>ECS service: Cluster, DeploymentController, LaunchType, Role, SchedulingStrategy,
/// ServiceName. Under the CODE_DEPLOY controller ECS also refuses updates of its load balancers,
/// network configuration, platform version and task definition ("If the network configuration,
/// platform version, task definition, or load balancer need to be updated, create a new CodeDeploy
/// deployment", https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html), so a
/// change of those replaces the service instead.</item>
/// <item>CodeDeploy deployment configuration: DeploymentConfigName, TrafficRoutingConfig,
/// MinimumHealthyHosts, ComputePlatform, ZonalConfig.</item>
/// </list>
/// The service and its two target groups are one <em>pair</em> named by one hash: a new service
/// always registers in a new (empty) blue target group that the production listener is explicitly
/// repointed to. Replacing the service alone would register its tasks in the template's blue
/// target group while CodeDeploy may have left production on green, which empties when the old
/// service is deleted. The production listener's protocol, port and certificate are pair inputs for
/// the same reason: CloudFormation can write the template's default action (blue) back when it updates
/// that listener, whatever CodeDeploy made live (https://github.com/aws/aws-cdk/issues/36649); with a
/// new pair that action names the target group the new service fills. docs/day-two.md describes
/// what each edit does.
/// </remarks>
public static class ReplaceableNames
{
    /// <summary>The load balancer: replaced when its scheme or VPC changes.</summary>
    /// <param name="names">The environment's names.</param>
    /// <param name="internetFacing">Scheme: internet-facing or internal.</param>
    /// <param name="vpc">The VPC's identity (<see cref="NetworkIdentity.Vpc"/>).</param>
    public static string LoadBalancer(ResourceNames names, bool internetFacing, string vpc) =>
        names.Versioned("alb", ResourceNames.LoadBalancerLimit, new[] { "application", internetFacing ? "internet-facing" : "internal", vpc });

    /// <summary>What every load balancer name of the environment starts with (a console search term).</summary>
    public static string LoadBalancerPrefix(ResourceNames names) => names.VersionedPrefix("alb", ResourceNames.LoadBalancerLimit);

    /// <summary>The names of the service and its blue and green target groups, one hash for the pair.</summary>
    public static ServicePairNames ServicePair(ResourceNames names, ServicePairInputs inputs)
    {
        var values = inputs.Values();
        return new ServicePairNames(
            names.Versioned("blue", ResourceNames.LoadBalancerLimit, values),
            names.Versioned("green", ResourceNames.LoadBalancerLimit, values),
            names.Versioned("service", 255, values));
    }

    /// <summary>A custom CodeDeploy deployment configuration: replaced when its traffic routing changes.</summary>
    public static string TrafficConfig(ResourceNames names, TrafficShifting shifting) =>
        names.Versioned("traffic", 100, new[]
        {
            "ECS", shifting.Kind.ToString(), shifting.Percentage.ToString(CultureInfo.InvariantCulture), shifting.IntervalMinutes.ToString(CultureInfo.InvariantCulture),
        });
}

/// <summary>The names of one service/target-group pair.</summary>
/// <param name="BlueTargetGroup">The target group production starts on (at most 32 characters).</param>
/// <param name="GreenTargetGroup">The target group CodeDeploy registers replacement tasks in (at most 32 characters).</param>
/// <param name="Service">The ECS service (at most 255 characters).</param>
public sealed record ServicePairNames(string BlueTargetGroup, string GreenTargetGroup, string Service);

/// <summary>
/// Where a VPC and the tasks' subnets come from, in words that change exactly when CloudFormation
/// would replace them: a new VPC by its CIDR and zones, an existing one by its ids.
/// </summary>
/// <param name="Vpc">The VPC: <c>cidr 10.0.0.0/16</c> for a new one, <c>vpc-...</c> for an existing one.</param>
/// <param name="ServiceSubnets">The tasks' subnets: their ids, or (new VPC) the zones they are made in.</param>
public sealed record NetworkIdentity(string Vpc, string ServiceSubnets);

/// <summary>Everything whose change replaces the service or its target groups.</summary>
/// <param name="LoadBalancer">The load balancer's name (a new one needs new target groups).</param>
/// <param name="Network">The VPC (target groups' VpcId) and the tasks' subnets (service network configuration).</param>
/// <param name="ContainerName">The container the service's load balancer entry names.</param>
/// <param name="ContainerPort">The target groups' port and the service's container port.</param>
/// <param name="ProductionListener">The production listener's protocol, port and certificate.</param>
public sealed record ServicePairInputs(string LoadBalancer, NetworkIdentity Network, string ContainerName, int ContainerPort, string ProductionListener)
{
    /// <summary>The inputs in a fixed order. Target protocol (HTTP), target type (ip), launch type (FARGATE) and platform version (LATEST) are constant today and listed so that changing them in code changes the names too.</summary>
    public IEnumerable<string> Values() => new[]
    {
        LoadBalancer, Network.Vpc, Network.ServiceSubnets, ContainerName, ContainerPort.ToString(CultureInfo.InvariantCulture),
        "HTTP", "ip", "FARGATE", "LATEST", ProductionListener,
    };
}
