using System.Diagnostics;

namespace Slipway.Cli.Commands;

/// <summary>
/// Phase timings of a command, printed to stderr when <c>SLIPWAY_TIMINGS=1</c> (see
/// docs/performance.md). Costs nothing otherwise.
/// </summary>
public static class Timings
{
    private static readonly Stopwatch? Watch = Enabled ? Stopwatch.StartNew() : null;
    private static TimeSpan _last;
    private static readonly object Gate = new();

    /// <summary>True when <c>SLIPWAY_TIMINGS=1</c>.</summary>
    public static bool Enabled => System.Environment.GetEnvironmentVariable("SLIPWAY_TIMINGS") == "1";

    /// <summary>Prints the time from process start to now (the .NET host, runtime and Main's start).</summary>
    public static void ProcessStarted()
    {
        if (Watch is null)
        {
            return;
        }
        var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        Console.Error.WriteLine($"[timings] {sinceStart.TotalSeconds,7:0.000} s  process start to Main");
        _last = Watch.Elapsed;
    }

    /// <summary>Prints the time since the previous lap under <paramref name="what"/>.</summary>
    public static void Lap(string what)
    {
        if (Watch is null)
        {
            return;
        }
        lock (Gate)
        {
            var now = Watch.Elapsed;
            Console.Error.WriteLine($"[timings] {(now - _last).TotalSeconds,7:0.000} s  {what}");
            _last = now;
        }
    }

    /// <summary>Prints the CPU time of this process and of its descendants (the jsii node kernel).</summary>
    public static void Cpu()
    {
        if (Watch is null)
        {
            return;
        }
        var self = Process.GetCurrentProcess();
        // Linux only: ppid, utime and stime (fields 4, 14 and 15 of /proc/PID/stat) of every
        // process, then the sum over this process's descendants (the jsii runtime starts node,
        // which starts the kernel's node).
        var stats = new Dictionary<int, (int Parent, double Seconds)>();
        foreach (var dir in Directory.Exists("/proc") ? Directory.EnumerateDirectories("/proc") : Enumerable.Empty<string>())
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                stats[int.Parse(Path.GetFileName(dir))] = (int.Parse(fields[1]), (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or ArgumentOutOfRangeException)
            {
                // Not a process, or it ended.
            }
        }
        bool Descends(int pid) => stats.TryGetValue(pid, out var s) && (s.Parent == self.Id || (s.Parent != pid && Descends(s.Parent)));
        var children = stats.Where(p => Descends(p.Key)).Sum(p => p.Value.Seconds);
        Console.Error.WriteLine($"[timings] cpu: dotnet {self.TotalProcessorTime.TotalSeconds:0.0} s, descendant processes (node) {children:0.0} s");
    }
}
