using Slipway.Cli.Manifest;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway synth</c>.</summary>
public static class SynthCommand
{
    /// <summary>Synthesizes the manifest and prints a summary per stack.</summary>
    public static int Run(string file, string outdir, string? suffix, TextWriter output, TextWriter errors)
    {
        var manifest = ManifestLoader.LoadManifestFile(file);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var stacks = SlipwayApp.Synthesize(manifest.Services, outdir, suffix, manifest.GitHub);
        output.WriteLine($"Synthesized {stacks.Count} stack(s) from {file} in {started.Elapsed.TotalSeconds:0.0} s:");
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
        return Cli.Ok;
    }
}
