using Constructs;
using Slipway.Pipeline;

namespace Slipway.Observability;

/// <summary>Props of <see cref="PipelineObservability"/>.</summary>
public sealed class PipelineObservabilityProps
{
    /// <summary>The pipeline observed.</summary>
    public required ServicePipeline Pipeline { get; init; }
}

/// <summary>Notifications, dashboards, delivery metrics and alarms of a service pipeline.</summary>
public sealed class PipelineObservability : Construct
{
    /// <summary>Creates the observability resources.</summary>
    public PipelineObservability(Construct scope, string id, PipelineObservabilityProps props) : base(scope, id)
    {
    }
}
