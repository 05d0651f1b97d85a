using System.Globalization;

namespace Slipway.Cli.Synthesis;

/// <summary>
/// Writes files of a cloud assembly whole or not at all: each is written under a temporary name
/// in the same directory, then renamed over the old one (a rename within a file system replaces
/// the target atomically, POSIX rename(2)). A synthesis killed, or stopped by a full disk, while it
/// writes leaves every template, asset manifest and manifest.json either as it was or as the new
/// synthesis made it, never cut short: `cdk deploy` and the next synthesis read complete files.
/// </summary>
public static class AtomicFiles
{
    // ".NAME.slipway-tmp-PID-GUID": hidden, and names the process that writes it.
    private const string Marker = ".slipway-tmp-";

    /// <summary>Copies <paramref name="source"/> over <paramref name="target"/>.</summary>
    public static void Copy(string source, string target) => Write(target, temporary => File.Copy(source, temporary));

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) as <paramref name="target"/>.</summary>
    public static void WriteText(string target, string text) => Write(target, temporary => File.WriteAllText(temporary, text));

    /// <summary>Writes <paramref name="target"/> through <paramref name="write"/>, which fills the temporary file it is given.</summary>
    public static void Write(string target, Action<string> write)
    {
        var temporary = TemporaryName(target);
        try
        {
            write(temporary);
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>A temporary name next to <paramref name="target"/> (for a file or a directory) that <see cref="RemoveLeftovers"/> recognizes.</summary>
    public static string TemporaryName(string target) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!,
            $".{Path.GetFileName(target)}{Marker}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}");

    /// <summary>
    /// Deletes the temporary files and directories in <paramref name="directory"/> of processes
    /// that no longer run (a synthesis that was killed); those of a synthesis running at the same
    /// time are left alone.
    /// </summary>
    public static void RemoveLeftovers(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }
        foreach (var path in Directory.EnumerateFileSystemEntries(directory, "*" + Marker + "*"))
        {
            var name = Path.GetFileName(path);
            var rest = name[(name.LastIndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..];
            var dash = rest.IndexOf('-');
            if (dash <= 0 || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || Running(pid))
            {
                continue;
            }
            if (Directory.Exists(path))
            {
                try
                {
                    Directory.Delete(path, recursive: true);
                }
                catch (IOException)
                {
                    // Gone meanwhile, or in use: the next synthesis tries again.
                }
            }
            else
            {
                TryDelete(path);
            }
        }
    }

    private static bool Running(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // Left for RemoveLeftovers.
        }
        catch (UnauthorizedAccessException)
        {
            // Left for RemoveLeftovers.
        }
    }
}
