using Amazon.CDK.RegionInfo;

namespace Slipway.Conventions;

/// <summary>
/// The partition (aws, aws-cn, aws-us-gov...) of a concrete region, known at synthesis. ARNs in
/// templates take the stack's partition (<c>Stack.Of(scope).Partition</c>, a reference to
/// <c>AWS::Partition</c>); this is for ARNs that must be literal text: inside generated files
/// (taskdef.json, appspec.yaml), in CodeBuild environment variables, and where CDK parses an
/// imported ARN for its account and name (a cross-account role or CodeDeploy application) or
/// Slipway reads the account from a role ARN (RolePrincipals).
/// </summary>
/// <remarks>
/// Regions and their partitions: https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
/// (CDK's region-info table, then the region's prefix for a region newer than CDK 2.160).
/// </remarks>
internal static class Partitions
{
    /// <summary>The partition of <paramref name="region"/>, e.g. aws-us-gov for us-gov-west-1.</summary>
    public static string OfRegion(string region)
    {
        if (RegionInfo.Get(region).Partition is { Length: > 0 } known)
        {
            return known;
        }
        return region switch
        {
            _ when region.StartsWith("cn-", StringComparison.Ordinal) => "aws-cn",
            _ when region.StartsWith("us-gov-", StringComparison.Ordinal) => "aws-us-gov",
            _ when region.StartsWith("us-isob-", StringComparison.Ordinal) => "aws-iso-b",
            _ when region.StartsWith("us-iso-", StringComparison.Ordinal) => "aws-iso",
            _ when region.StartsWith("eu-isoe-", StringComparison.Ordinal) => "aws-iso-e",
            _ => "aws",
        };
    }
}
