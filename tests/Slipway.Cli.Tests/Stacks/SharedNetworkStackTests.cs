using System.Text.Json.Nodes;
using Slipway.Cli.Manifest;
using Slipway.Conventions;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Cli.Tests.Stacks;

public sealed class SharedNetworkFixture
{
    public Scenario Scenario { get; } = new(ManifestLoader.LoadFile(Repository.PathOf("examples/shared-network.yaml")).ToArray());
}

/// <summary>network.shared: one VPC stack per account and environment, imported by every service that shares it.</summary>
public sealed class SharedNetworkStackTests : IClassFixture<SharedNetworkFixture>
{
    private readonly SharedNetworkFixture _f;

    public SharedNetworkStackTests(SharedNetworkFixture fixture) => _f = fixture;

    private IReadOnlyList<SharedNetworkStack> NetworkStacks() => _f.Scenario.Services[0].Runtimes[0].Node.Scope!.Node.Children.OfType<SharedNetworkStack>().ToList();

    // A manifest with `count` services in account 111111111111, staging and prod, with or without network.shared.
    private static string Manifest(int count, bool shared, string? secondCidr = null) =>
        "services:\n" + string.Concat(Enumerable.Range(0, count).Select(i => $"""
              - name: svc{i}
                source:
                  github: {"{"} owner: example-org, repository: svc{i}, connectionArn: "arn:aws:codestar-connections:us-east-1:111111111111:connection/7a1b2c3d-0000-4000-8000-000000000000" {"}"}
                container: {"{"} port: 8080 {"}"}
                notifications: {"{"} approvalEmails: [leads@example.com] {"}"}
                environments:
                  - name: staging
                    account: "111111111111"
                    region: us-east-1
                    network: {"{"} shared: {(shared ? "true" : "false")}, availabilityZones: [us-east-1a, us-east-1b]{(i == 1 && secondCidr is not null ? $", vpcCidr: \"{secondCidr}\"" : "")} {"}"}
                  - name: prod
                    account: "111111111111"
                    region: us-east-1
                    network: {"{"} shared: {(shared ? "true" : "false")}, availabilityZones: [us-east-1a, us-east-1b] {"}"}

            """));

    [Fact]
    public void Two_services_get_one_VPC_stack_per_account_and_environment_and_none_of_their_own()
    {
        var networks = NetworkStacks();
        Assert.Equal(new[] { "network-prod-vpc-dev", "network-staging-vpc-dev" }, networks.Select(n => n.StackName).Order());
        foreach (var network in networks)
        {
            Assert.Single(_f.Scenario.Resources(network, "AWS::EC2::VPC"));
            Assert.Equal(network.Key.Environment == "prod" ? 2 : 1, _f.Scenario.Resources(network, "AWS::EC2::NatGateway").Count());
            Assert.Equal(new[] { "network-" + network.Key.Environment + "-vpc-dev:PrivateSubnetIds", "network-" + network.Key.Environment + "-vpc-dev:PublicSubnetIds", "network-" + network.Key.Environment + "-vpc-dev:VpcId" },
                _f.Scenario.Json(network)["Outputs"]!.AsObject().Select(o => o.Value!["Export"]!["Name"]!.GetValue<string>()).Order());
        }
        foreach (var runtime in _f.Scenario.Services.SelectMany(s => s.Runtimes))
        {
            Assert.Empty(_f.Scenario.Resources(runtime, "AWS::EC2::VPC"));
            Assert.Empty(_f.Scenario.Resources(runtime, "AWS::EC2::NatGateway"));
            Assert.Empty(_f.Scenario.Resources(runtime, "AWS::EC2::EIP"));
        }
    }

    [Fact]
    public void Each_runtime_stack_runs_its_service_in_the_shared_subnets_and_deploys_after_the_network()
    {
        foreach (var runtime in _f.Scenario.Services.SelectMany(s => s.Runtimes))
        {
            var environment = runtime.Names.Environment!;
            var network = NetworkStacks().Single(n => n.Key.Environment == environment);
            Assert.Contains(network, runtime.Dependencies);
            var service = _f.Scenario.Single(runtime, "AWS::ECS::Service")["Properties"]!;
            var subnets = service["NetworkConfiguration"]!["AwsvpcConfiguration"]!["Subnets"]!.AsArray();
            Assert.Equal(2, subnets.Count);
            Assert.All(subnets.Select((s, i) => (s, i)), x => Assert.Equal(
                $"{{\"Fn::Select\":[{x.i},{{\"Fn::Split\":[\",\",{{\"Fn::ImportValue\":\"network-{environment}-vpc-dev:PrivateSubnetIds\"}}]}}]}}",
                x.s!.ToJsonString()));
            var balancer = _f.Scenario.Single(runtime, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]!["Subnets"]!.ToJsonString();
            Assert.Contains($"network-{environment}-vpc-dev:PublicSubnetIds", balancer);
            var targetGroups = _f.Scenario.Resources(runtime, "AWS::ElasticLoadBalancingV2::TargetGroup").Select(t => t.Resource["Properties"]!["VpcId"]!.ToJsonString()).Distinct();
            Assert.Equal($"{{\"Fn::ImportValue\":\"network-{environment}-vpc-dev:VpcId\"}}", Assert.Single(targetGroups));
        }
    }

    [Fact]
    public void Services_that_describe_the_same_shared_network_differently_are_refused_naming_the_field()
    {
        var manifest = ManifestLoader.Read("two.yaml", Manifest(2, shared: true, secondCidr: "10.9.0.0/16"));
        var e = Assert.Throws<ManifestException>(() => Slipway.Cli.Synthesis.ManifestSynthesis.CheckSharedNetworks(manifest, null));
        Assert.Contains("services[1].environments[0].network.shared: true shares the network network-staging-vpc-dev (111111111111/us-east-1) with an earlier service whose environment describes it differently " +
            "(vpcCidr 10.9.0.0/16, natGateways 1, availabilityZones [us-east-1a, us-east-1b] here, vpcCidr 10.0.0.0/16, natGateways 1, availabilityZones [us-east-1a, us-east-1b] there)", e.Message);

        // The library says the same in one app.
        var app = new Amazon.CDK.App();
        var error = Assert.Throws<SlipwayValidationException>(() => { foreach (var s in manifest.Services) { Slipway.Stacks.SlipwayStacks.Add(app, s); } });
        Assert.Contains("ServiceDefinition.Environments[0].Network.Shared: true shares the network network-staging-vpc-dev", error.Message);
    }

    [Fact]
    public void Shared_needs_declared_zones_and_cannot_be_combined_with_an_existing_VPC()
    {
        var text = Manifest(1, shared: true).Replace("network: { shared: true, availabilityZones: [us-east-1a, us-east-1b] }", "network: { shared: true }", StringComparison.Ordinal);
        var e = Assert.Throws<ManifestException>(() => ManifestLoader.Read("one.yaml", text));
        Assert.Contains("services[0].environments[0].network.shared: true needs network.availabilityZones, which is not set", e.Message);

        var withVpc = Manifest(1, shared: true).Replace("network: { shared: true, availabilityZones: [us-east-1a, us-east-1b] }",
            "network: { shared: true, availabilityZones: [us-east-1a, us-east-1b], existingVpc: { vpcId: vpc-0123, privateSubnetIds: [subnet-a, subnet-b], publicSubnetIds: [subnet-c, subnet-d], availabilityZones: [us-east-1a, us-east-1b], cidr: 10.1.0.0/16 } }", StringComparison.Ordinal);
        e = Assert.Throws<ManifestException>(() => ManifestLoader.Read("one.yaml", withVpc));
        Assert.Contains("services[0].environments[0].network.shared: true cannot be combined with network.existingVpc", e.Message);
    }

    [Fact]
    public void Synth_warns_with_the_figures_before_a_second_service_exceeds_the_default_VPC_and_Elastic_IP_quotas()
    {
        var own = ManifestLoader.Read("three.yaml", Manifest(3, shared: false)).Services;
        var warnings = NetworkQuotas.Warnings(own, "dev", (i, j) => $"services[{i}].environments[{j}]");
        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("account 111111111111 in us-east-1 gets 6 new VPCs; the default quota is 5 VPCs per region, and the account's default VPC counts too " +
            "(services[0].environments[0], services[0].environments[1], services[1].environments[0], services[1].environments[1], services[2].environments[0], services[2].environments[1]). " +
            "Set network.shared: true on those environments", warnings[0]);
        Assert.StartsWith("account 111111111111 in us-east-1 gets 9 NAT gateways, one Elastic IP address each; the default quota is 5 Elastic IP addresses per region " +
            "(services[0].environments[0].network.natGateways: 1 (the default); services[0].environments[1].network.natGateways: 2 (the default);", warnings[1]);
        Assert.Contains("https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html", warnings[1]);

        // Two services with their own networks stay under both quotas (4 VPCs, 6 NAT gateways: over the Elastic IPs only).
        var two = NetworkQuotas.Count(ManifestLoader.Read("two.yaml", Manifest(2, shared: false)).Services, "dev", (i, j) => $"s{i}e{j}");
        Assert.Equal((4, 6), (two.Single().Vpcs, two.Single().NatGateways));

        // Shared: one VPC per environment, whatever the number of services.
        var shared = ManifestLoader.Read("three.yaml", Manifest(3, shared: true)).Services;
        var use = Assert.Single(NetworkQuotas.Count(shared, "dev", (i, j) => $"services[{i}].environments[{j}]"));
        Assert.Equal((2, 3), (use.Vpcs, use.NatGateways));
        Assert.Empty(NetworkQuotas.Warnings(shared, "dev", (i, j) => $"services[{i}].environments[{j}]"));
    }

    [Fact]
    public void Validate_prints_the_quota_warnings_and_synth_merges_one_copy_of_each_shared_network()
    {
        var dir = GeneratedManifest.TemporaryDirectory("shared-network");
        var file = Path.Combine(dir, "three.yaml");
        File.WriteAllText(file, Manifest(3, shared: false));
        var errors = new StringWriter();
        Assert.Equal(0, Slipway.Cli.Commands.Cli.Run(new[] { "validate", "-f", file }, new StringWriter(), errors));
        // The quota warnings (the production environments' plain-HTTP warnings are EnvironmentWarningsTests').
        var lines = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(" gets ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("warning: account 111111111111 in us-east-1 gets 6 new VPCs", lines[0]);
        Assert.StartsWith("warning: account 111111111111 in us-east-1 gets 9 NAT gateways", lines[1]);

        var output = new StringWriter();
        errors = new StringWriter();
        var outdir = Path.Combine(dir, "out");
        Assert.Equal(0, Slipway.Cli.Commands.Cli.Run(new[] { "synth", "--no-cache", "-f", Repository.PathOf("examples/shared-network.yaml"), "-o", outdir }, output, errors));
        Assert.DoesNotContain("NAT gateways", errors.ToString());
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "manifest.json")))!["artifacts"]!.AsObject();
        var stacks = manifest.Where(a => a.Value!["type"]!.GetValue<string>() == "aws:cloudformation:stack").Select(a => a.Value!["properties"]!["stackName"]!.GetValue<string>()).ToList();
        Assert.Equal(1, stacks.Count(s => s == "network-staging-vpc-dev"));
        Assert.Equal(1, stacks.Count(s => s == "network-prod-vpc-dev"));
        Assert.Equal(2 + 4 + 2, stacks.Count);
    }
}
