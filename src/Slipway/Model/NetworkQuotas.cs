using Slipway.Stacks;
namespace Slipway.Model;

/// <summary>What the services' networks take from one account and region.</summary>
/// <param name="Account">The account.</param>
/// <param name="Region">The region.</param>
/// <param name="Vpcs">New VPCs (a shared network counts once).</param>
/// <param name="NatGateways">NAT gateways of those VPCs: each holds one Elastic IP address.</param>
/// <param name="VpcUsers">Where each new VPC comes from (field paths).</param>
/// <param name="NatUsers">Where each VPC's NAT gateways come from (field path and count).</param>
public sealed record NetworkUse(string Account, string Region, int Vpcs, int NatGateways, IReadOnlyList<string> VpcUsers, IReadOnlyList<string> NatUsers);

/// <summary>
/// Counts the VPCs and NAT gateways (Elastic IPs) the services create per account and region,
/// and warns before a default quota is exceeded: 5 VPCs per region (the default VPC most accounts
/// still have counts too) and 5 Elastic IP addresses per region
/// (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html). A stack that
/// exceeds one fails in CloudFormation (VpcLimitExceeded, AddressLimitExceeded), often only when
/// a second or third service is deployed.
/// </summary>
public static class NetworkQuotas
{
    /// <summary>The default quota of VPCs per region.</summary>
    public const int DefaultVpcsPerRegion = 5;

    /// <summary>The default quota of Elastic IP addresses per region (one per NAT gateway).</summary>
    public const int DefaultElasticIpsPerRegion = 5;

    /// <summary>The quotas page.</summary>
    public const string QuotasPage = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html";

    /// <summary>
    /// What <paramref name="services"/> create per account and region; <paramref name="path"/>
    /// names environment j of service i in the caller's terms (for example <c>services[0].environments[1]</c>).
    /// </summary>
    public static IReadOnlyList<NetworkUse> Count(IReadOnlyList<ServiceDefinition> services, string suffix, Func<int, int, string> path)
    {
        var uses = new Dictionary<(string, string), (List<string> Vpcs, List<string> Nats, int NatCount)>();
        var shared = new HashSet<SharedNetworkKey>();
        for (var i = 0; i < services.Count; i++)
        {
            for (var j = 0; j < services[i].Environments.Count; j++)
            {
                var target = services[i].Environments[j];
                if (target.Network.ExistingVpc is not null)
                {
                    continue;
                }
                if (target.Network.Shared && !shared.Add(SharedNetworkKey.Of(services[i], target, suffix)))
                {
                    continue;
                }
                var where = path(i, j);
                var nats = NetworkSettings.NatGatewaysOf(target);
                var key = (target.Account, target.Region);
                if (!uses.TryGetValue(key, out var use))
                {
                    use = (new List<string>(), new List<string>(), 0);
                }
                use.Vpcs.Add(target.Network.Shared ? $"{where} (shared)" : where);
                use.Nats.Add($"{where}.network.natGateways: {nats}{(target.Network.NatGateways is null ? " (the default)" : "")}");
                uses[key] = (use.Vpcs, use.Nats, use.NatCount + nats);
            }
        }
        return uses.Select(u => new NetworkUse(u.Key.Item1, u.Key.Item2, u.Value.Vpcs.Count, u.Value.NatCount, u.Value.Vpcs, u.Value.Nats)).ToList();
    }

    /// <summary>
    /// One warning per account and region where the services would create <see cref="DefaultVpcsPerRegion"/>
    /// VPCs or more (with the default VPC, more than the quota), or more NAT gateways than
    /// <see cref="DefaultElasticIpsPerRegion"/>; each names the fields and the fixes.
    /// </summary>
    public static IReadOnlyList<string> Warnings(IReadOnlyList<ServiceDefinition> services, string suffix, Func<int, int, string> path)
    {
        var warnings = new List<string>();
        foreach (var use in Count(services, suffix, path))
        {
            if (use.Vpcs >= DefaultVpcsPerRegion)
            {
                warnings.Add($"account {use.Account} in {use.Region} gets {use.Vpcs} new VPCs; the default quota is {DefaultVpcsPerRegion} VPCs per region, " +
                    $"and the account's default VPC counts too ({string.Join(", ", use.VpcUsers)}). Set network.shared: true on those environments " +
                    $"(one VPC per account and environment for every service), deploy into a VPC you have (network.existingVpc), or ask for a higher quota ({QuotasPage}).");
            }
            if (use.NatGateways > DefaultElasticIpsPerRegion)
            {
                warnings.Add($"account {use.Account} in {use.Region} gets {use.NatGateways} NAT gateways, one Elastic IP address each; the default quota is " +
                    $"{DefaultElasticIpsPerRegion} Elastic IP addresses per region ({string.Join("; ", use.NatUsers)}). Set network.shared: true on those environments, " +
                    $"lower network.natGateways, deploy into a VPC you have (network.existingVpc), or ask for a higher quota ({QuotasPage}).");
            }
        }
        return warnings;
    }
}
