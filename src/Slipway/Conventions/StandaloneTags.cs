namespace Slipway.Conventions;

/// <summary>
/// The tags a Slipway construct puts on what it creates when it is used on its own, without
/// <see cref="SlipwayTags"/> from the caller: the manifest's defaults for the same service.
/// </summary>
internal static class StandaloneTags
{
    /// <summary>Tags of a tooling-account construct of <paramref name="service"/>.</summary>
    public static SlipwayTags Tooling(string service) => new()
    {
        Environment = "tooling",
        Project = service,
        CostCenter = "unassigned",
        Service = service,
    };
}
