using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// The tags a construct used on its own puts on what it creates, so that tagging does not depend
/// on the stack class it sits in. Inside Slipway's stacks the stack's tags are the same values.
/// </summary>
internal static class ConstructTags
{
    /// <summary>The CostCenter tag of a construct given no tags (as a manifest that sets no costCenter).</summary>
    public const string UnassignedCostCenter = "unassigned";

    /// <summary>The Environment tag of a construct whose names have no environment: the pipeline's constructs, tagged as the pipeline stack is.</summary>
    public const string NoEnvironment = "tooling";

    /// <summary>
    /// Tags every taggable resource under <paramref name="scope"/> with <paramref name="tags"/>, or,
    /// when none are given, with the service and environment of <paramref name="names"/> (Project:
    /// the service, CostCenter: <see cref="UnassignedCostCenter"/>).
    /// </summary>
    public static void Apply(IConstruct scope, SlipwayTags? tags, ResourceNames names) => (tags ?? Default(names)).ApplyTo(scope);

    /// <summary>The tags of a construct given none: the service and environment of <paramref name="names"/>.</summary>
    public static SlipwayTags Default(ResourceNames names) => new()
    {
        Environment = names.Environment ?? NoEnvironment,
        Project = names.Service,
        CostCenter = UnassignedCostCenter,
        Service = names.Service,
    };
}
