using System.Text.Json;
using Amazon.CDK;
using Slipway.Conventions;
using Slipway.Access;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Cli.Commands;

/// <summary>One synthesized stack, as the summary prints it.</summary>
/// <param name="Name">The stack name.</param>
/// <param name="Account">Its account.</param>
/// <param name="Region">Its region.</param>
/// <param name="Resources">Number of resources in its template.</param>
/// <param name="Bytes">Size of its template.</param>
/// <param name="TemplatePath">Where its template is.</param>
public sealed record SynthesizedStack(string Name, string Account, string Region, int Resources, long Bytes, string TemplatePath)
{
    /// <summary>The number of resources in the template at <paramref name="templatePath"/>.</summary>
    public static int CountResources(string templatePath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(templatePath));
        return doc.RootElement.TryGetProperty("Resources", out var r) ? r.EnumerateObject().Count() : 0;
    }
}

/// <summary>Builds the CDK app of a manifest and synthesizes it.</summary>
public static class SlipwayApp
{
    /// <summary>Accounts used by the examples, which no real deployment should keep.</summary>
    public static readonly IReadOnlySet<string> PlaceholderAccounts = new HashSet<string>
    {
        "111111111111", "222222222222", "333333333333", "444444444444", "123456789012", "000000000000",
    };

    /// <summary>
    /// Synthesizes <paramref name="services"/> as one CDK app, in this process, into
    /// <paramref name="outdir"/> (or CDK_OUTDIR when the CDK CLI runs the app), with the GitHub
    /// Actions deploy stacks when <paramref name="github"/> is given. Availability zones come from
    /// the manifest or cdk.context.json (<see cref="Synthesis.ServiceSynthesis.Context(IEnumerable{ServiceDefinition}, string?)"/>).
    /// </summary>
    /// <remarks>
    /// The commands synthesize manifests with <see cref="Synthesis.ManifestSynthesis"/> instead
    /// (service by service, cached, in parallel); this is the reference its joined assembly is
    /// tested against, and the way to synthesize service definitions built in code.
    /// </remarks>
    public static IReadOnlyList<SynthesizedStack> Synthesize(IReadOnlyList<ServiceDefinition> services, string? outdir, string? suffix = null,
        GitHubDeploySettings? github = null)
    {
        // The jsii client is not thread-safe: the runtime may still be starting in the background.
        Synthesis.JsiiWarmup.Wait();
        var context = new Dictionary<string, object>(Synthesis.ServiceSynthesis.Context(services, suffix));
        var fromCdkCli = System.Environment.GetEnvironmentVariable("CDK_OUTDIR") is { Length: > 0 };
        var app = new App(new AppProps
        {
            Outdir = fromCdkCli ? null : outdir ?? "cdk.out",
            Context = context,
            // Keep templates small and stable: no CDK version or path metadata per resource.
            AnalyticsReporting = false,
        });
        Timings.Lap("start jsii, create App");
        foreach (var service in services)
        {
            SlipwayStacks.Add(app, service);
            Timings.Lap($"construct {service.Name}");
        }
        if (github is not null)
        {
            SlipwayStacks.AddGitHubDeploy(app, github, services);
        }
        var assembly = app.Synth();
        Timings.Lap("app.Synth()");
        var result = assembly.Stacks.Select(s =>
        {
            var path = s.TemplateFullPath;
            return new SynthesizedStack(s.StackName, s.Environment.Account, s.Environment.Region, SynthesizedStack.CountResources(path), new FileInfo(path).Length, path);
        }).ToList();
        Timings.Lap("read templates");
        return result;
    }
}
