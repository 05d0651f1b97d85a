using Slipway.Conventions;

namespace Slipway.Model;

/// <summary>
/// Where the availability zones of a new VPC come from: declared in
/// <see cref="NetworkSettings.AvailabilityZones"/>, or recorded in the CDK context by the CDK
/// CLI, which looks them up with the account's credentials. Never guessed: the zone a letter
/// names differs per account, and some letters do not exist for an account at all (for example
/// ap-northeast-1b, or us-west-1a for many accounts).
/// </summary>
/// <remarks>
/// Without either, CDK would synthesize subnets in its placeholders <c>dummy1a</c>/<c>dummy1b</c>
/// and only the CDK CLI notices (it reads the missing-context report, looks the zones up and
/// synthesizes again). Outside the CLI nothing would, so Slipway fails first, saying how to fix it.
/// https://docs.aws.amazon.com/cdk/v2/guide/context.html
/// </remarks>
public static class AvailabilityZoneSettings
{
    /// <summary>The CDK context key the CDK CLI records an account's zones in a region under.</summary>
    public static string ContextKey(string account, string region) => $"availability-zones:account={account}:region={region}";

    /// <summary>
    /// True when the CDK CLI runs this app: it sets CDK_OUTDIR and CDK_CLI_VERSION for the app's
    /// process (aws-cdk lib/api/cxapp/exec.ts), and then performs the lookups the app reports missing.
    /// </summary>
    public static bool UnderCdkCli() =>
        Environment.GetEnvironmentVariable("CDK_CLI_VERSION") is { Length: > 0 }
        || Environment.GetEnvironmentVariable("CDK_OUTDIR") is { Length: > 0 };

    /// <summary>The zone names a context value holds (a JSON list, as cdk.context.json stores it), or null.</summary>
    public static IReadOnlyList<string>? ZonesIn(object? contextValue) => contextValue switch
    {
        string => null,
        System.Collections.IEnumerable list => list.Cast<object?>().ToList() is var items && items.All(x => x is string) ? items.Cast<string>().ToList() : null,
        _ => null,
    };

    /// <summary>Checks declared zones: at least two, distinct, all in the environment's region.</summary>
    internal static void Validate(DeploymentTarget target, IReadOnlyList<string> zones, Validator v, string path)
    {
        v.Require(zones.Count >= 2, path, zones,
            "must list at least two availability zones (the VPC spans two or more). " + ListCommand(target.Region));
        foreach (var (zone, i) in zones.Select((z, i) => (z, i)))
        {
            v.Require(zone is not null && zone.StartsWith(target.Region, StringComparison.Ordinal) && zone.Length > target.Region.Length,
                $"{path}[{i}]", zone, $"is not an availability zone of {target.Region} (zone names start with the region name, for example \"{target.Region}a\"). " + ListCommand(target.Region));
        }
        foreach (var dup in zones.Select((z, i) => (z, i)).GroupBy(x => x.z).Where(g => g.Count() > 1))
        {
            v.Add($"{path}[{dup.Last().i}]", dup.Key, "is listed twice. List each availability zone once.");
        }
        v.Require(target.Network.ExistingVpc is null, path, zones,
            "is for a new VPC, but existingVpc is set. Remove availabilityZones: existingVpc.availabilityZones names the zones of its subnets.");
    }

    /// <summary>
    /// Adds a problem for every environment of <paramref name="definition"/> whose new VPC has
    /// neither declared zones nor zones in the context (<paramref name="context"/> answers a
    /// context key), unless the CDK CLI runs the app (<paramref name="underCdkCli"/>): then CDK
    /// reports the missing context and the CLI looks the zones up.
    /// </summary>
    internal static void Check(ServiceDefinition definition, Func<string, object?> context, bool underCdkCli, Validator v, string path)
    {
        if (underCdkCli)
        {
            return;
        }
        foreach (var (target, i) in definition.Environments.Select((e, i) => (e, i)))
        {
            if (target.Network.ExistingVpc is not null || target.Network.AvailabilityZones is not null
                || Validator.IsToken(target.Account) || Validator.IsToken(target.Region))
            {
                continue;
            }
            var key = ContextKey(target.Account, target.Region);
            if (ZonesIn(context(key)) is { Count: >= 2 })
            {
                continue;
            }
            v.Add($"{path}.environments[{i}].network.availabilityZones", null,
                $"is needed: the new VPC of {target.Name} ({target.Account}/{target.Region}) needs the real availability zone names of that account, " +
                $"and the CDK context has none (\"{key}\", which the CDK CLI records in cdk.context.json). " +
                $"Declare two or more (`{Command(target.Region)}` lists them; run it with credentials for {target.Account}), " +
                $"or run `npx cdk synth` with credentials for {target.Account}, which looks them up and records them in cdk.context.json.");
        }
    }

    /// <summary>The AWS CLI command that lists the available zones of <paramref name="region"/> for the caller's account.</summary>
    public static string Command(string region) =>
        $"aws ec2 describe-availability-zones --region {region} --query \"AvailabilityZones[?State=='available'].ZoneName\"";

    private static string ListCommand(string region) => $"List them with `{Command(region)}`.";
}
