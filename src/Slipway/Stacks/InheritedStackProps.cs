using Amazon.CDK;
using Slipway.Conventions;

namespace Slipway.Stacks;

/// <summary>
/// The <see cref="StackProps"/> a Slipway stack passes to <see cref="Stack"/>: the caller's
/// inherited props (synthesizer, tags, termination protection, permissions boundary...) with the
/// stack's own environment, and its own name and description unless the caller set them.
/// </summary>
internal static class InheritedStackProps
{
    /// <summary>
    /// <paramref name="caller"/>'s StackProps over <paramref name="ours"/>: every inherited field
    /// the caller set wins, except <see cref="IStackProps.Env"/>, which comes from the model (the
    /// account and region the stack's resources and names are derived from). A caller's Env that
    /// names another account or region is rejected, naming <paramref name="propsType"/>.
    /// </summary>
    public static StackProps Merge(IStackProps caller, IStackProps ours, string propsType)
    {
        var env = ours.Env!;
        if (caller.Env is { } given)
        {
            var problems = new List<string>();
            if (Differs(given.Account, env.Account))
            {
                problems.Add($"{propsType}.Env.Account: \"{given.Account}\" differs from the stack's account {env.Account}, which comes from the service definition. Remove Env (the stack sets it), or change the account in the definition.");
            }
            if (Differs(given.Region, env.Region))
            {
                problems.Add($"{propsType}.Env.Region: \"{given.Region}\" differs from the stack's region {env.Region}, which comes from the service definition. Remove Env (the stack sets it), or change the region in the definition.");
            }
            if (problems.Count > 0)
            {
                throw new SlipwayValidationException(problems);
            }
        }
        return new StackProps
        {
            Env = env,
            StackName = caller.StackName ?? ours.StackName,
            Description = caller.Description ?? ours.Description,
            TerminationProtection = caller.TerminationProtection ?? ours.TerminationProtection,
            Synthesizer = caller.Synthesizer ?? ours.Synthesizer,
            Tags = caller.Tags ?? ours.Tags,
            AnalyticsReporting = caller.AnalyticsReporting ?? ours.AnalyticsReporting,
            CrossRegionReferences = caller.CrossRegionReferences ?? ours.CrossRegionReferences,
            PermissionsBoundary = caller.PermissionsBoundary ?? ours.PermissionsBoundary,
            SuppressTemplateIndentation = caller.SuppressTemplateIndentation ?? ours.SuppressTemplateIndentation,
            NotificationArns = caller.NotificationArns ?? ours.NotificationArns,
        };
    }

    // Unresolved tokens cannot be compared before deployment; the model's values are literals.
    private static bool Differs(string? given, string? ours) =>
        given is not null && !Token.IsUnresolved(given) && given != ours;
}
