using Slipway.Conventions;

namespace Slipway.Model;

/// <summary>How CodeDeploy moves production traffic from the blue to the green tasks.</summary>
public enum TrafficShiftingKind
{
    /// <summary>All traffic at once, after the green tasks pass their health checks.</summary>
    [ManifestName("allAtOnce")]
    AllAtOnce,

    /// <summary><see cref="TrafficShifting.Percentage"/> first, the rest after <see cref="TrafficShifting.IntervalMinutes"/>.</summary>
    [ManifestName("canary")]
    Canary,

    /// <summary><see cref="TrafficShifting.Percentage"/> more every <see cref="TrafficShifting.IntervalMinutes"/>.</summary>
    [ManifestName("linear")]
    Linear,
}

/// <summary>A traffic-shifting policy for a blue/green deployment.</summary>
/// <param name="Kind">All at once, canary or linear.</param>
/// <param name="Percentage">Canary: first step; linear: each step (1-99).</param>
/// <param name="IntervalMinutes">Minutes between steps (1-2880).</param>
[ManifestScalarForm(nameof(Kind))]
public sealed record TrafficShifting([ManifestName("type")] TrafficShiftingKind Kind, int Percentage = 0, [ManifestName("minutes")] int IntervalMinutes = 0)
{
    /// <summary>Everything at once: the default outside production.</summary>
    public static TrafficShifting AllAtOnce { get; } = new(TrafficShiftingKind.AllAtOnce);

    /// <summary>10% for 5 minutes, then the rest: the default in production.</summary>
    public static TrafficShifting Canary10Percent5Minutes { get; } = new(TrafficShiftingKind.Canary, 10, 5);

    /// <summary>The percentage of a canary or linear policy whose manifest entry gives none.</summary>
    public const int DefaultPercentage = 10;

    /// <summary>The minutes of a canary policy whose manifest entry gives none.</summary>
    public const int DefaultCanaryMinutes = 5;

    /// <summary>The minutes of a linear policy whose manifest entry gives none.</summary>
    public const int DefaultLinearMinutes = 1;

    /// <summary>Every policy as a manifest writes it, for messages about a policy that is none of them.</summary>
    public static string ManifestForms { get; } =
        $"allAtOnce (everything once the green tasks are healthy), "
        + $"{{type: canary, percentage: {DefaultPercentage}, minutes: {DefaultCanaryMinutes}}} ({DefaultPercentage}% first, the rest {DefaultCanaryMinutes} minutes later) "
        + $"or {{type: linear, percentage: {DefaultPercentage}, minutes: {DefaultLinearMinutes}}} ({DefaultPercentage}% more every {DefaultLinearMinutes} minute)";

    /// <summary>
    /// The policy of <paramref name="kind"/> with the given step and interval, each defaulting to
    /// <see cref="DefaultPercentage"/> and <see cref="DefaultCanaryMinutes"/> (canary) or
    /// <see cref="DefaultLinearMinutes"/> (linear); all at once takes neither.
    /// </summary>
    public static TrafficShifting Of(TrafficShiftingKind kind, int? percentage = null, int? minutes = null) => kind switch
    {
        TrafficShiftingKind.Canary => Canary(percentage ?? DefaultPercentage, minutes ?? DefaultCanaryMinutes),
        TrafficShiftingKind.Linear => Linear(percentage ?? DefaultPercentage, minutes ?? DefaultLinearMinutes),
        _ => AllAtOnce,
    };

    /// <summary>A canary policy.</summary>
    public static TrafficShifting Canary(int percentage, int minutes) => new(TrafficShiftingKind.Canary, percentage, minutes);

    /// <summary>A linear policy.</summary>
    public static TrafficShifting Linear(int percentage, int minutes) => new(TrafficShiftingKind.Linear, percentage, minutes);

    /// <summary>
    /// The name of CodeDeploy's predefined configuration for this policy, or null when a custom
    /// configuration must be created.
    /// </summary>
    public string? PredefinedConfigName => (Kind, Percentage, IntervalMinutes) switch
    {
        (TrafficShiftingKind.AllAtOnce, _, _) => "CodeDeployDefault.ECSAllAtOnce",
        (TrafficShiftingKind.Canary, 10, 5) => "CodeDeployDefault.ECSCanary10Percent5Minutes",
        (TrafficShiftingKind.Canary, 10, 15) => "CodeDeployDefault.ECSCanary10Percent15Minutes",
        (TrafficShiftingKind.Linear, 10, 1) => "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
        (TrafficShiftingKind.Linear, 10, 3) => "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
        _ => null,
    };

    /// <summary>A short human description, for <c>slipway describe</c>.</summary>
    public override string ToString() => Kind switch
    {
        TrafficShiftingKind.AllAtOnce => "all at once",
        TrafficShiftingKind.Canary => $"canary {Percentage}% for {IntervalMinutes} min, then the rest",
        _ => $"linear {Percentage}% every {IntervalMinutes} min",
    };
}
