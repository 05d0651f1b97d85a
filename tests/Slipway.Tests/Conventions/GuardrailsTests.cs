using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Tests.Conventions;

public sealed class GuardrailsFixture
{
    public Scenario Scenario { get; } = new(new ServiceDefinition
    {
        Name = "ledger",
        Source = new Slipway.Model.CodeCommitSource("ledger"),
        PermissionsBoundaryPolicyName = "platform-boundary",
        Environments = new[]
        {
            new DeploymentTarget
            {
                Name = "dev", Account = Services.Tooling, Region = "us-east-1",
                IntegrationTests = new IntegrationTestSettings { Command = new[] { "./it.sh" }, When = IntegrationTestTiming.AfterTraffic },
                Network = new NetworkSettings
                {
                    ExistingVpc = new ExistingVpc("vpc-0abc", new[] { "subnet-p1", "subnet-p2" }, new[] { "subnet-u1", "subnet-u2" }, new[] { "us-east-1a", "us-east-1b" }, "10.8.0.0/16"),
                    ExistingClusterName = "shared-cluster",
                },
            },
        },
    });
}

public sealed class GuardrailsTests : IClassFixture<GuardrailsFixture>
{
    private readonly GuardrailsFixture _f;

    public GuardrailsTests(GuardrailsFixture fixture) => _f = fixture;

    [Fact]
    public void The_permissions_boundary_applies_to_every_role_slipway_creates()
    {
        foreach (var stack in _f.Scenario.Stacks)
        {
            var roles = _f.Scenario.Resources(stack, "AWS::IAM::Role").ToList();
            Assert.NotEmpty(roles);
            Assert.All(roles, r => Assert.EndsWith(":policy/platform-boundary", Json.Render(r.Resource["Properties"]!["PermissionsBoundary"])));
        }
    }

    [Fact]
    public void An_existing_vpc_and_cluster_are_used_instead_of_new_ones()
    {
        var runtime = _f.Scenario.Services[0].Runtimes[0];
        Assert.Empty(_f.Scenario.Resources(runtime, "AWS::EC2::VPC"));
        Assert.Empty(_f.Scenario.Resources(runtime, "AWS::ECS::Cluster"));
        var service = _f.Scenario.Single(runtime, "AWS::ECS::Service")["Properties"]!;
        Assert.Equal("shared-cluster", service["Cluster"]!.GetValue<string>());
        Assert.Equal(new[] { "subnet-p1", "subnet-p2" }, Json.List(service["NetworkConfiguration"]!["AwsvpcConfiguration"]!["Subnets"]));
        var alb = _f.Scenario.Single(runtime, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]!;
        Assert.Equal(new[] { "subnet-u1", "subnet-u2" }, Json.List(alb["Subnets"]));
    }
}
