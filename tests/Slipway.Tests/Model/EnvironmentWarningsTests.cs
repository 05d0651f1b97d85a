using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Tests.Model;

public sealed class EnvironmentWarningsTests
{
    private static IReadOnlyList<string> Warnings(NetworkSettings prod, NetworkSettings? staging = null) =>
        EnvironmentWarnings.For(Services.SingleAccount(envs =>
        {
            envs[0] = new DeploymentTarget { Name = "staging", Account = Services.Tooling, Region = "us-east-1", Network = staging ?? new NetworkSettings() };
            envs[1] = new DeploymentTarget { Name = "prod", Account = Services.Tooling, Region = "us-east-1", Network = prod };
        }), "services[0]");

    [Fact]
    public void Internet_facing_production_without_a_certificate_is_named_with_the_field_and_the_fix()
    {
        var warning = Assert.Single(Warnings(new NetworkSettings()));
        Assert.StartsWith("services[0].environments[1].network.certificateArn: not set, so production environment prod serves plain HTTP to the internet", warning);
        Assert.Contains("Set network.certificateArn to the ACM certificate ARN of the service's domain", warning);
        Assert.Contains("or set network.internetFacing: false", warning);
    }

    [Fact]
    public void Https_internal_or_non_production_environments_are_not_warned_about()
    {
        Assert.Empty(Warnings(new NetworkSettings { CertificateArn = "arn:aws:acm:us-east-1:111111111111:certificate/0b1c2d3e-0000-4000-8000-000000000000" }));
        Assert.Empty(Warnings(new NetworkSettings { InternetFacing = false }));
    }

    [Fact]
    public void An_existing_vpc_behind_an_internet_facing_load_balancer_must_name_its_nat_addresses()
    {
        var vpc = new ExistingVpc("vpc-0abc", new[] { "subnet-p1", "subnet-p2" }, new[] { "subnet-u1", "subnet-u2" }, new[] { "us-east-1a", "us-east-1b" }, "10.8.0.0/16");
        var warning = Assert.Single(Warnings(new NetworkSettings { InternetFacing = false }, new NetworkSettings { ExistingVpc = vpc }));
        Assert.StartsWith("services[0].environments[0].network.testListenerCidrs: not set, so the test listener of staging admits only 10.8.0.0/16", warning);
        Assert.Contains("List the NAT gateways' Elastic IPs", warning);
        Assert.Empty(Warnings(new NetworkSettings { InternetFacing = false }, new NetworkSettings { ExistingVpc = vpc, TestListenerCidrs = new[] { "203.0.113.10/32" } }));
    }
}
