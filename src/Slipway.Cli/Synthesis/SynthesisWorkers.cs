using System.Diagnostics;
using Slipway.Cli.Manifest;

namespace Slipway.Cli.Synthesis;

/// <summary>
/// Synthesizes services in other processes of this same command (<c>slipway synth-worker</c>),
/// so services that are not cached are synthesized on every core: synthesis is a chain of
/// synchronous calls between .NET and the jsii JavaScript runtime, so one process keeps about
/// one core busy.
/// </summary>
public static partial class SynthesisWorkers
{
    /// <summary>The hidden command a worker runs.</summary>
    public const string Command = "synth-worker";

    /// <summary>
    /// How to start this command again: the .NET host and the CLI assembly, or nothing when the
    /// assembly cannot run on its own (for example when loaded by a test host without its
    /// runtimeconfig.json).
    /// </summary>
    public static (string FileName, string[] Prefix)? SelfInvocation()
    {
        var dll = typeof(SynthesisWorkers).Assembly.Location;
        if (string.IsNullOrEmpty(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            return null;
        }
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet"
            ? p
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        return (host, new[] { dll });
    }

    /// <summary>How a worker failed: its process id, what ended it in words, and whether the machine (not a bug) did.</summary>
    /// <param name="ProcessId">The worker's process id.</param>
    /// <param name="What">What happened, to follow "the synthesis worker (pid N) ...": "was killed (SIGKILL), likely ...".</param>
    /// <param name="Resource">True when a signal, memory or the disk ended it; false for an internal error (a bug).</param>
    public sealed record Failure(int ProcessId, string What, bool Resource);

    /// <summary>A running worker.</summary>
    public sealed class Worker
    {
        private readonly Process _process;
        private readonly Task<string> _stderr;
        private readonly Task<string> _stdout;

        internal Worker(Process process, IReadOnlyList<int> units)
        {
            _process = process;
            Units = units;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        /// <summary>The indexes in the manifest of the services the worker synthesizes.</summary>
        public IReadOnlyList<int> Units { get; }

        /// <summary>
        /// Waits for the worker: null when it synthesized its services, else how it failed. Problems
        /// in the manifest are thrown as the worker reported them.
        /// </summary>
        public Failure? Wait()
        {
            _process.WaitForExit();
            var errors = _stderr.Result;
            _ = _stdout.Result;
            var code = _process.ExitCode;
            if (code == 0)
            {
                return null;
            }
            // Only the worker's own error lines: its stderr may also hold what node printed.
            var lines = errors.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            if (code == Commands.Cli.UserError && lines.Any(l => ManifestProblems().IsMatch(l)))
            {
                // The worker reported problems as the CLI does: "error: N problem(s) ...", then one per line.
                throw new Slipway.Conventions.SlipwayValidationException(lines
                    .Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()).DefaultIfEmpty(errors.Trim()).ToList());
            }
            if (code == Commands.Cli.UserError && lines.FirstOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal)) is { } resource)
            {
                // "PROBLEM. To fix: ADVICE.": the parent gives its own advice.
                var problem = resource["error: ".Length..];
                var fix = problem.IndexOf(". To fix: ", StringComparison.Ordinal);
                return new Failure(_process.Id, "failed: " + (fix >= 0 ? problem[..fix] : problem), true);
            }
            if (SynthesisFailures.Signal(code) is { } signal)
            {
                return new Failure(_process.Id, signal, true);
            }
            var internalError = lines.FirstOrDefault(l => l.StartsWith("internal error: ", StringComparison.Ordinal));
            return new Failure(_process.Id, internalError is null
                ? $"exited with code {code.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
                : "failed with an " + internalError, false);
        }

        /// <summary>Stops the worker if it still runs (another part of the synthesis failed).</summary>
        public void Stop()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // It ended meanwhile.
            }
        }
    }

    /// <summary>
    /// Starts a worker that synthesizes the services at <paramref name="units"/> (index in the
    /// manifest → directory) of the manifest written at <paramref name="manifestCopy"/>.
    /// </summary>
    public static Worker Start((string FileName, string[] Prefix) self, string manifestCopy, string? suffix, IEnumerable<(int Index, string Directory)> units)
    {
        var start = new ProcessStartInfo(self.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in self.Prefix)
        {
            start.ArgumentList.Add(arg);
        }
        start.ArgumentList.Add(Command);
        start.ArgumentList.Add("--file");
        start.ArgumentList.Add(manifestCopy);
        if (suffix is not null)
        {
            start.ArgumentList.Add("--suffix");
            start.ArgumentList.Add(suffix);
        }
        var indexes = new List<int>();
        foreach (var (index, directory) in units)
        {
            start.ArgumentList.Add("--unit");
            start.ArgumentList.Add($"{index}={directory}");
            indexes.Add(index);
        }
        // The worker writes where it is told; under the CDK CLI the app must not pick CDK_OUTDIR.
        start.Environment.Remove("CDK_OUTDIR");
        start.Environment.Remove("SLIPWAY_TIMINGS");
        return new Worker(Process.Start(start) ?? throw new InvalidOperationException($"could not start {self.FileName}"), indexes);
    }

    /// <summary>What <c>slipway synth-worker</c> runs: synthesizes each unit of the manifest.</summary>
    public static int Run(string file, string? suffix, IReadOnlyList<string> units)
    {
        // A worker always synthesizes: start the runtime while the manifest is read.
        JsiiWarmup.Start();
        var manifest = ManifestLoader.ReadFile(file);
        foreach (var unit in units)
        {
            var separator = unit.IndexOf('=');
            var index = int.Parse(unit[..separator], System.Globalization.CultureInfo.InvariantCulture);
            ManifestSynthesis.SynthesizeOne(manifest.Services[index], suffix, unit[(separator + 1)..], processes: 2);
        }
        return 0;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^error: [0-9]+ problem\(s\) in the manifest:")]
    private static partial System.Text.RegularExpressions.Regex ManifestProblems();
}
