using Slipway.Conventions;
using Slipway.Access;
using Slipway.Runtime;
using Slipway.Model;

namespace Slipway.Tests.Runtime;

public sealed class ReplaceableNamesTests
{
    private static readonly ResourceNames Names = new("orders", "staging", "dev");

    private static readonly NetworkIdentity NewVpc = new("cidr 10.0.0.0/16", "zones us-east-1b,us-east-1c");

    private static ServicePairInputs Inputs(string? loadBalancer = null, NetworkIdentity? network = null, string container = "app", int port = 8080, string listener = "HTTP 80") =>
        new(loadBalancer ?? ReplaceableNames.LoadBalancer(Names, true, (network ?? NewVpc).Vpc), network ?? NewVpc, container, port, listener);

    [Fact]
    public void Same_inputs_give_byte_identical_names()
    {
        Assert.Equal(ReplaceableNames.ServicePair(Names, Inputs()), ReplaceableNames.ServicePair(Names, Inputs()));
        Assert.Equal(ReplaceableNames.LoadBalancer(Names, true, NewVpc.Vpc), ReplaceableNames.LoadBalancer(Names, true, NewVpc.Vpc));
        Assert.Equal(ReplaceableNames.TrafficConfig(Names, TrafficShifting.Linear(20, 2)), ReplaceableNames.TrafficConfig(Names, TrafficShifting.Linear(20, 2)));
        // Pinned: a change of the hashing (inputs, order, algorithm) renames, and so replaces, every deployed service.
        Assert.Equal(new ServicePairNames("orders-staging-blue-dev-2eac47", "orders-staging-green-dev-8536d0", "orders-staging-service-dev-82fa4f"),
            ReplaceableNames.ServicePair(Names, Inputs()));
        Assert.Equal("orders-staging-alb-dev-95fa29", ReplaceableNames.LoadBalancer(Names, true, NewVpc.Vpc));
    }

    [Fact]
    public void Names_keep_the_readable_form_and_end_in_the_hash()
    {
        var pair = ReplaceableNames.ServicePair(Names, Inputs());
        Assert.Matches("^orders-staging-blue-dev-[0-9a-f]{6}$", pair.BlueTargetGroup);
        Assert.Matches("^orders-staging-green-dev-[0-9a-f]{6}$", pair.GreenTargetGroup);
        Assert.Matches("^orders-staging-service-dev-[0-9a-f]{6}$", pair.Service);
        Assert.Matches("^orders-staging-alb-dev-[0-9a-f]{6}$", ReplaceableNames.LoadBalancer(Names, true, NewVpc.Vpc));
        Assert.Matches("^orders-staging-traffic-dev-[0-9a-f]{6}$", ReplaceableNames.TrafficConfig(Names, TrafficShifting.Canary(20, 5)));
    }

    [Fact]
    public void A_container_port_change_renames_the_target_groups_and_the_service_not_the_load_balancer()
    {
        var before = ReplaceableNames.ServicePair(Names, Inputs(port: 8080));
        var after = ReplaceableNames.ServicePair(Names, Inputs(port: 9090));
        Assert.NotEqual(before.BlueTargetGroup, after.BlueTargetGroup);
        Assert.NotEqual(before.GreenTargetGroup, after.GreenTargetGroup);
        Assert.NotEqual(before.Service, after.Service);
    }

    [Theory]
    [InlineData("container")]
    [InlineData("listener")]
    [InlineData("subnets")]
    public void Every_pair_input_renames_the_whole_pair(string what)
    {
        var before = ReplaceableNames.ServicePair(Names, Inputs());
        var after = ReplaceableNames.ServicePair(Names, what switch
        {
            "container" => Inputs(container: "web"),
            "listener" => Inputs(listener: "HTTPS 443 arn:aws:acm:us-east-1:111111111111:certificate/abc RECOMMENDED_TLS"),
            _ => Inputs(network: NewVpc with { ServiceSubnets = "zones us-east-1a,us-east-1b" }),
        });
        Assert.NotEqual(before.BlueTargetGroup, after.BlueTargetGroup);
        Assert.NotEqual(before.GreenTargetGroup, after.GreenTargetGroup);
        Assert.NotEqual(before.Service, after.Service);
    }

    [Fact]
    public void A_scheme_change_renames_the_load_balancer_and_through_it_the_pair()
    {
        var internetFacing = ReplaceableNames.LoadBalancer(Names, true, NewVpc.Vpc);
        var @internal = ReplaceableNames.LoadBalancer(Names, false, NewVpc.Vpc);
        Assert.NotEqual(internetFacing, @internal);
        Assert.NotEqual(ReplaceableNames.ServicePair(Names, Inputs(loadBalancer: internetFacing)).BlueTargetGroup,
            ReplaceableNames.ServicePair(Names, Inputs(loadBalancer: @internal)).BlueTargetGroup);
    }

    [Fact]
    public void A_vpc_cidr_change_renames_the_load_balancer_and_the_pair()
    {
        var other = NewVpc with { Vpc = "cidr 10.1.0.0/16" };
        Assert.NotEqual(ReplaceableNames.LoadBalancer(Names, true, NewVpc.Vpc), ReplaceableNames.LoadBalancer(Names, true, other.Vpc));
        Assert.NotEqual(ReplaceableNames.ServicePair(Names, Inputs()).Service, ReplaceableNames.ServicePair(Names, Inputs(network: other)).Service);
    }

    [Fact]
    public void A_traffic_routing_change_renames_the_custom_deployment_config()
    {
        Assert.NotEqual(ReplaceableNames.TrafficConfig(Names, TrafficShifting.Linear(20, 2)), ReplaceableNames.TrafficConfig(Names, TrafficShifting.Linear(25, 2)));
        Assert.NotEqual(ReplaceableNames.TrafficConfig(Names, TrafficShifting.Linear(20, 2)), ReplaceableNames.TrafficConfig(Names, TrafficShifting.Canary(20, 2)));
    }

    [Fact]
    public void Long_names_stay_within_the_service_limits_and_distinct()
    {
        var names = new ResourceNames("inventory-reconciliation", "production", "feature-1234", "megacorp");
        var pair = ReplaceableNames.ServicePair(names, Inputs(loadBalancer: ReplaceableNames.LoadBalancer(names, true, NewVpc.Vpc)));
        Assert.Equal(32, pair.BlueTargetGroup.Length);
        Assert.Equal(32, pair.GreenTargetGroup.Length);
        Assert.NotEqual(pair.BlueTargetGroup, pair.GreenTargetGroup);
        Assert.True(ReplaceableNames.LoadBalancer(names, true, NewVpc.Vpc).Length <= ResourceNames.LoadBalancerLimit);
        Assert.True(pair.Service.Length <= 255);
        // Target group and load balancer names: letters, digits and hyphens, not ending in a hyphen.
        Assert.All(new[] { pair.BlueTargetGroup, pair.GreenTargetGroup, ReplaceableNames.LoadBalancer(names, true, NewVpc.Vpc) },
            n => Assert.Matches("^[a-z0-9][a-z0-9-]*[a-z0-9]$", n));

        // Two suffixes that share the cut prefix still get different names.
        var a = new ResourceNames("inventory-reconciliation", "production", "feature-1", "megacorp");
        var b = new ResourceNames("inventory-reconciliation", "production", "feature-2", "megacorp");
        Assert.NotEqual(ReplaceableNames.LoadBalancer(a, true, NewVpc.Vpc), ReplaceableNames.LoadBalancer(b, true, NewVpc.Vpc));
    }

    [Fact]
    public void The_console_search_prefix_starts_every_load_balancer_name()
    {
        foreach (var names in new[] { Names, new ResourceNames("billing", "staging", "dev", "acme") })
        {
            Assert.StartsWith(ReplaceableNames.LoadBalancerPrefix(names), ReplaceableNames.LoadBalancer(names, false, "vpc-0abc"));
        }
    }

    [Fact]
    public void Shared_names_stay_fixed()
    {
        // The pipeline and other accounts refer to these without tokens: a hash would break them.
        var names = new ResourceNames("orders", "prod", "dev", "acme");
        Assert.Equal("acme-orders-prod-deploy-dev", SharedNames.DeployApplication(names));
        Assert.Equal("acme-orders-prod-dg-dev", SharedNames.DeploymentGroup(names));
        Assert.Equal("acme-orders-prod-task-dev", SharedNames.TaskFamily(names));
        Assert.Equal("acme-orders-prod-task-exec-dev", SharedNames.ExecutionRole(names));
        Assert.Equal("acme-orders-prod-task-dev", SharedNames.TaskRole(names));
        Assert.Equal("acme-orders-prod-deploy-dev", SharedNames.DeployRole(names));
        Assert.Equal("acme-orders-prod-itest-dev", SharedNames.IntegrationTestRole(names));
        Assert.Equal("/slipway/acme-orders-prod-service-dev", SharedNames.LogGroup(names));
        Assert.Equal("acme-orders-pipeline-dev", SharedNames.PipelineRole(names));
        Assert.Equal("acme-orders-itest-build-dev", SharedNames.IntegrationTestBuildRole(names));
        Assert.Equal("acme-orders-images-dev", SharedNames.Repository(names));
        Assert.Equal("acme-orders-artifacts-111111111111-dev", SharedNames.ArtifactBucket(names, "111111111111"));
        Assert.Equal("alias/acme-orders-artifacts-dev", SharedNames.ArtifactKeyAlias(names));
    }
}
