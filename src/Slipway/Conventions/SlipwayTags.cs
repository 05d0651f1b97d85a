using Amazon.CDK;
using Constructs;

namespace Slipway.Conventions;

/// <summary>The tags Slipway puts on every taggable resource.</summary>
public sealed record SlipwayTags
{
    /// <summary>The tag that marks resources managed by Slipway.</summary>
    public const string ManagedByKey = "ManagedBy";

    /// <summary>Environment tag value (dev, staging, prod; "tooling" for pipeline stacks).</summary>
    public required string Environment { get; init; }

    /// <summary>Project tag value.</summary>
    public required string Project { get; init; }

    /// <summary>CostCenter tag value.</summary>
    public required string CostCenter { get; init; }

    /// <summary>Service tag value.</summary>
    public required string Service { get; init; }

    /// <summary>Extra tags (for example Owner), applied after the standard ones.</summary>
    public IReadOnlyDictionary<string, string>? Extra { get; init; }

    /// <summary>Tags every taggable resource under <paramref name="scope"/>.</summary>
    public void ApplyTo(IConstruct scope)
    {
        var tags = Tags.Of(scope);
        tags.Add("Environment", Environment);
        tags.Add("Project", Project);
        tags.Add("CostCenter", CostCenter);
        tags.Add("Service", Service);
        tags.Add(ManagedByKey, "slipway");
        foreach (var (key, value) in Extra ?? new Dictionary<string, string>())
        {
            tags.Add(key, value);
        }
    }
}
