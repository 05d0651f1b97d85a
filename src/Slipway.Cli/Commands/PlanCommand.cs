using System.Diagnostics;
using Slipway.Cli.Manifest;
using Slipway.Cli.Synthesis;

namespace Slipway.Cli.Commands;

/// <summary>
/// <c>slipway plan</c>: what deploying the manifest as it is now would do to the stacks of an earlier
/// cloud assembly (by default the last <c>slipway synth</c>, <c>cdk.out</c>): per stack, resources
/// added, changed, replaced (and which property forces it, directly or through a reference to
/// another replaced resource), the changes CloudFormation or ECS would refuse, and what the
/// pipeline rolls out instead (the task definitions and appspecs it generates).
/// </summary>
/// <remarks>
/// The comparison is <c>tools/changes/analyze.js</c>, on <c>@aws-cdk/cloudformation-diff</c> (the
/// library behind <c>cdk diff</c>), run on the pinned Node.js (<see cref="NodeRuntime"/>); the
/// change-safety suite (<c>tools/changes/changes.test.js</c>) runs the same analyzer over the
/// catalog of ordinary edits. It compares assemblies only: the templates deployed in an account
/// need credentials (<c>npx cdk diff</c> reads them).
/// </remarks>
public static class PlanCommand
{
    /// <summary>Something is replaced (or a stateful resource removed), and nothing is refused.</summary>
    public const int Replaced = 4;

    /// <summary>Something would be refused by CloudFormation or ECS.</summary>
    public const int Refused = 5;

    /// <summary>The earlier assembly is missing or is not one of this manifest.</summary>
    public const int BadInput = 2;

    /// <summary>Where the analyzer lives, relative to the repository root.</summary>
    public static readonly string Analyzer = Path.Combine("tools", "changes", "analyze.js");

    /// <summary>Synthesizes the manifest into a temporary directory and compares <paramref name="against"/> with it.</summary>
    public static int Run(string file, string against, SynthesisOptions options, bool json, TextWriter output, TextWriter errors)
    {
        var started = Stopwatch.StartNew();
        // The earlier assembly is checked before anything is synthesized: a typo answers at once.
        if (!File.Exists(Path.Combine(against, "manifest.json")))
        {
            errors.WriteLine($"error: {against}: no cloud assembly there. Expected the cdk.out of an earlier `slipway synth -f {file}` (a directory with manifest.json and the templates of the stacks named for this manifest); pass another with --against DIR.");
            return BadInput;
        }
        var analyzer = FindAnalyzer(Directory.GetCurrentDirectory()) ?? FindAnalyzer(AppContext.BaseDirectory);
        if (analyzer is null)
        {
            errors.WriteLine($"error: plan needs {Analyzer} and its npm packages: run it inside the Slipway repository after `npm ci`.");
            return Cli.UserError;
        }
        var node = NodeRuntime.UsePinned();
        var manifest = ManifestLoader.ReadFile(file);
        Timings.Lap("load and validate the manifest");
        var outdir = Path.Combine(Path.GetTempPath(), "slipway-plan-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = ManifestSynthesis.Run(manifest, outdir, options);
            Timings.Lap("synthesize");
            var reuse = options.CacheDirectory is null ? "cache off" : $"{result.Reused} of {result.Reused + result.Synthesized} service(s) reused from {options.CacheDirectory}";
            var arguments = new List<string> { analyzer, against, outdir, "--require-common-stack" };
            if (json)
            {
                arguments.Add("--json");
            }
            var (code, stdout, stderr) = RunNode(node, arguments);
            Timings.Lap("compare (tools/changes/analyze.js)");
            if (!json && code != BadInput)
            {
                output.WriteLine($"Comparing {file} as it is now with {against} ({reuse}):");
            }
            output.Write(stdout);
            errors.Write(stderr);
            if (!json && code != BadInput)
            {
                output.WriteLine($"({started.Elapsed.TotalSeconds:0.0} s)");
            }
            return code switch
            {
                Cli.Ok or Replaced or Refused or BadInput => code,
                _ => throw new InvalidOperationException($"{Analyzer} exited with {code}: {stderr.Split('\n')[0]}"),
            };
        }
        finally
        {
            if (Directory.Exists(outdir))
            {
                Directory.Delete(outdir, recursive: true);
            }
        }
    }

    /// <summary>The analyzer in <paramref name="start"/> or the nearest directory above it that has one.</summary>
    public static string? FindAnalyzer(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, Analyzer);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static (int Code, string Out, string Err) RunNode(string node, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {node}");
        // Both streams are read at once: a full pipe would otherwise block the analyzer.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
