using Slipway.Conventions;

namespace Slipway.Model;

/// <summary>
/// Which shared network an environment uses: one per company, account, region, environment name
/// and environment suffix. Its names are <c>{company}-network-{environment}-{resource}-{suffix}</c>.
/// </summary>
/// <param name="Company">The services' company (part of every name), if any.</param>
/// <param name="Account">The account.</param>
/// <param name="Region">The region.</param>
/// <param name="Environment">The environment name (dev, staging, prod...).</param>
/// <param name="Suffix">The environment suffix of physical names.</param>
public sealed record SharedNetworkKey(string? Company, string Account, string Region, string Environment, string Suffix)
{
    /// <summary>The shared network of <paramref name="target"/> of <paramref name="definition"/>.</summary>
    public static SharedNetworkKey Of(ServiceDefinition definition, DeploymentTarget target, string suffix) =>
        new(definition.Company, target.Account, target.Region, target.Name, suffix);

    /// <summary>The names of the shared network (service part: <c>network</c>).</summary>
    public ResourceNames Names => new("network", Environment, Suffix, Company);

    /// <summary>The CloudFormation stack name (unique in its account and region; its exports start with it).</summary>
    public string StackName => Names.Name("vpc", 128);

    /// <summary>The construct id of the stack in an app (account and region included: one app may hold several).</summary>
    public string StackId => ResourceNames.Pascal(Names.Name($"vpc-{Account}-{Region}", 200));
}
