using Slipway.Cli.Manifest;
using Slipway.Cli.Synthesis;
using Slipway.Model;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway synth</c>.</summary>
public static class SynthCommand
{
    /// <summary>Synthesizes the manifest and prints a summary per stack.</summary>
    public static int Run(string file, string outdir, SynthesisOptions options, TextWriter output, TextWriter errors)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        if (ManifestSynthesis.WillSynthesize(options))
        {
            JsiiWarmup.Start();
        }
        var manifest = ManifestLoader.ReadFile(file);
        Timings.Lap("load and validate the manifest");
        // Under `cdk synth` the CDK CLI chooses the directory.
        var cdkOutdir = System.Environment.GetEnvironmentVariable("CDK_OUTDIR");
        var result = ManifestSynthesis.Run(manifest, string.IsNullOrEmpty(cdkOutdir) ? outdir : cdkOutdir, options);
        var stacks = result.Stacks;
        var reuse = options.CacheDirectory is null
            ? "cache off"
            : $"{result.Reused} of {result.Reused + result.Synthesized} service(s) unchanged, reused from {options.CacheDirectory}";
        output.WriteLine($"Synthesized {stacks.Count} stack(s) from {file} in {started.Elapsed.TotalSeconds:0.0} s ({reuse}):");
        var width = stacks.Max(s => s.Name.Length);
        foreach (var stack in stacks)
        {
            output.WriteLine($"  {stack.Name.PadRight(width)}  {stack.Account}/{stack.Region}  {stack.Resources,4} resources  {stack.Bytes / 1024.0,7:0.0} KB");
        }
        var placeholders = stacks.Select(s => s.Account).Where(SlipwayApp.PlaceholderAccounts.Contains).Distinct().ToList();
        if (placeholders.Count > 0)
        {
            errors.WriteLine($"warning: account(s) {string.Join(", ", placeholders)} are the examples' placeholders. Put your own account ids in {file} before deploying.");
        }
        foreach (var warning in manifest.Warnings())
        {
            errors.WriteLine($"warning: {warning}");
        }
        WarnAboutQuotas(manifest.Services, options.Suffix, errors);
        Timings.Cpu();
        return Cli.Ok;
    }

    /// <summary>
    /// Warns on <paramref name="errors"/> where the services' new VPCs or NAT gateways reach a
    /// default per-region quota (<see cref="Slipway.Model.NetworkQuotas"/>): before anything is
    /// deployed, since a second service in an account is where these quotas bite.
    /// </summary>
    public static void WarnAboutQuotas(IReadOnlyList<ServiceDefinition> services, string? suffix, TextWriter errors)
    {
        foreach (var warning in Slipway.Model.NetworkQuotas.Warnings(services, suffix ?? Slipway.Conventions.ResourceNames.DefaultSuffix, (i, j) => $"services[{i}].environments[{j}]"))
        {
            errors.WriteLine($"warning: {warning}");
        }
    }
}
