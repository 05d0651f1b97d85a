using System.Diagnostics;
using Slipway.Cli.Manifest;

namespace Slipway.Cli.Synthesis;

/// <summary>
/// Synthesizes services in other processes of this same command (<c>slipway synth-worker</c>),
/// so services that are not cached are synthesized on every core: synthesis is a chain of
/// synchronous calls between .NET and the jsii JavaScript runtime, so one process keeps about
/// one core busy.
/// </summary>
public static class SynthesisWorkers
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

    /// <summary>A running worker.</summary>
    public sealed class Worker
    {
        private readonly Process _process;
        private readonly Task<string> _stderr;
        private readonly Task<string> _stdout;

        internal Worker(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        /// <summary>Waits for the worker; fails with its output when it failed.</summary>
        public void Wait()
        {
            _process.WaitForExit();
            var errors = _stderr.Result;
            _ = _stdout.Result;
            if (_process.ExitCode == Commands.Cli.UserError)
            {
                // The worker reported problems as the CLI does: "error: N problem(s) ...", then one per line.
                throw new Slipway.Conventions.SlipwayValidationException(errors.Split('\n')
                    .Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()).DefaultIfEmpty(errors.Trim()).ToList());
            }
            if (_process.ExitCode != 0)
            {
                throw new InvalidOperationException($"synthesis worker exited with code {_process.ExitCode}: {errors.Trim()}");
            }
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
        foreach (var (index, directory) in units)
        {
            start.ArgumentList.Add("--unit");
            start.ArgumentList.Add($"{index}={directory}");
        }
        // The worker writes where it is told; under the CDK CLI the app must not pick CDK_OUTDIR.
        start.Environment.Remove("CDK_OUTDIR");
        start.Environment.Remove("SLIPWAY_TIMINGS");
        return new Worker(Process.Start(start) ?? throw new InvalidOperationException($"could not start {self.FileName}"));
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
            ServiceSynthesis.Run(manifest.Services[index], suffix, unit[(separator + 1)..]);
        }
        return 0;
    }
}
