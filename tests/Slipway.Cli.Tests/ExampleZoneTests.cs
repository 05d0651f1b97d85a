using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests;

/// <summary>Every example places its subnets in the zones it declares, never in invented ones.</summary>
[Collection(ExampleManifests.Name)]
public sealed class ExampleZoneTests
{
    private readonly ExampleScenarios _examples;

    public ExampleZoneTests(ExampleScenarios examples) => _examples = examples;

    public static TheoryData<string> Examples() => new(ExampleScenarios.Names);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Subnets_are_in_the_declared_zones_and_no_template_holds_a_placeholder_zone(string example)
    {
        var scenario = _examples[example];
        foreach (var service in scenario.Services)
        {
            var environments = service.Pipeline.Definition.Environments;
            foreach (var (runtime, target) in service.Runtimes.Zip(environments))
            {
                var declared = target.Network.AvailabilityZones ?? target.Network.ExistingVpc?.AvailabilityZones;
                Assert.NotNull(declared);
                // A shared network's subnets are in its own stack, which the runtime stack deploys after.
                var network = target.Network.Shared ? runtime.Dependencies.OfType<Slipway.Stacks.SharedNetworkStack>().Single() : (Amazon.CDK.Stack)runtime;
                var zones = scenario.Resources(network, "AWS::EC2::Subnet").Select(s => s.Resource["Properties"]!["AvailabilityZone"]!.GetValue<string>()).ToList();
                Assert.All(zones, z => Assert.Contains(z, declared!));
                if (target.Network.ExistingVpc is null)
                {
                    Assert.Equal(declared!.Order(), zones.Distinct().Order());
                }
            }
        }
        Assert.All(scenario.AllJson, t => Assert.DoesNotContain("dummy1", t.Value.ToJsonString(), StringComparison.Ordinal));
    }
}
