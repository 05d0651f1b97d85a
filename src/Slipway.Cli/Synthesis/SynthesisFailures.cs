using System.Globalization;

namespace Slipway.Cli.Synthesis;

/// <summary>
/// A synthesis stopped by the machine rather than by the manifest or a bug: a process killed
/// (the out-of-memory killer, a cancelled CI job), the JavaScript runtime ended, the disk full.
/// The CLI reports the message and exits with 1, as for other problems the user can fix.
/// </summary>
public sealed class SynthesisResourceException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> says what happened, to which services, and the fix.</summary>
    public SynthesisResourceException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>What ended a synthesis process, in words.</summary>
public static class SynthesisFailures
{
    /// <summary>True once this process's jsii JavaScript runtime was found ended: no jsii call can succeed any more.</summary>
    public static bool RuntimeEnded { get; private set; }

    /// <summary>
    /// Flushes the console and ends the process with <paramref name="code"/> without running exit
    /// handlers (POSIX _exit), where the platform has it; elsewhere it returns.
    /// </summary>
    public static void ExitWithoutHandlers(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            Exit(code);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "_exit")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern void Exit(int status);

    /// <summary>The advice for a process that ran out of memory or was killed.</summary>
    public const string MemoryAdvice =
        "run with --jobs 1 (one synthesis process, each with its own JavaScript runtime of about 300 MB, at a time) or give the machine more memory";

    /// <summary>errno ENOSPC on Linux, which .NET keeps as the HResult of the <see cref="IOException"/> it raises.</summary>
    private const int NoSpace = 28;

    /// <summary>
    /// What ended a process that exited with <paramref name="exitCode"/>, in words, when a signal
    /// did: .NET reports a child killed by signal N as exit code 128 + N, as shells do.
    /// </summary>
    public static string? Signal(int exitCode) => (exitCode - 128) switch
    {
        9 => "was killed (SIGKILL), likely by the system for lack of memory (the out-of-memory killer) or by a cancelled job",
        15 => "was stopped (SIGTERM), likely by a cancelled job or a shutdown",
        2 => "was interrupted (SIGINT)",
        1 => "lost its terminal (SIGHUP)",
        6 => "aborted (SIGABRT), likely for lack of memory",
        11 => "crashed (SIGSEGV)",
        7 => "crashed (SIGBUS)",
        var n and > 0 and <= 64 => $"was ended by signal {n.ToString(CultureInfo.InvariantCulture)}",
        _ => null,
    };

    /// <summary>
    /// What a failure of the machine, not of Slipway, made <paramref name="error"/> happen, or
    /// null: the jsii JavaScript runtime (a node process) that ended under a running synthesis,
    /// memory, a full disk.
    /// </summary>
    public static string? ResourceProblem(Exception error)
    {
        for (var e = (Exception?)error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SynthesisResourceException:
                    return e.Message;
                case OutOfMemoryException:
                    return "this process ran out of memory";
                case IOException io when io.HResult == NoSpace || io.Message.Contains("No space left on device", StringComparison.Ordinal):
                    return $"the disk is full ({io.Message.Trim()})";
            }
            // Amazon.JSII.Runtime.JsiiError (jsii 1.142) when the node process has ended: the
            // runtime's response stream closed. No later call in this process can succeed.
            if (e.GetType().Namespace?.StartsWith("Amazon.JSII", StringComparison.Ordinal) == true)
            {
                if (e.Message.StartsWith("Child process exited unexpectedly", StringComparison.Ordinal))
                {
                    RuntimeEnded = true;
                    return "its JavaScript runtime (the jsii node process) ended unexpectedly, most likely killed by the system for lack of memory";
                }
            }
            // Node's error for a full disk, raised in the JavaScript runtime while it writes the
            // templates (jsii gives it as a plain Exception: "Error: ENOSPC: no space left on device, write").
            if (e.Message.Contains("ENOSPC: no space left on device", StringComparison.Ordinal))
            {
                return "the disk is full (ENOSPC while the JavaScript runtime wrote the templates)";
            }
        }
        return null;
    }

    /// <summary>"service \"a\"" or "services \"a\", \"b\"".</summary>
    public static string Services(IEnumerable<string> names)
    {
        var list = names.Select(n => $"\"{n}\"").ToList();
        return (list.Count == 1 ? "service " : "services ") + string.Join(", ", list);
    }
}
