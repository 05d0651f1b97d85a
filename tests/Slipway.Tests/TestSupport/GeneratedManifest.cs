using System.Diagnostics;

namespace Slipway.Tests.TestSupport;

/// <summary>Manifests with many services, from the benchmark's generator (bench/generate-manifest.js).</summary>
public static class GeneratedManifest
{
    /// <summary>
    /// The text of a manifest with <paramref name="services"/> services, each in dev, staging and
    /// prod; with <paramref name="change"/>, that service (0-based) has another prod desiredCount
    /// and LOG_LEVEL.
    /// </summary>
    public static string Text(int services, int? change = null)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Repository.PathOf("bench/generate-manifest.js"));
        start.ArgumentList.Add(services.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (change is { } k)
        {
            start.ArgumentList.Add("--change");
            start.ArgumentList.Add(k.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var node = Process.Start(start)!;
        var text = node.StandardOutput.ReadToEnd();
        var errors = node.StandardError.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, $"bench/generate-manifest.js failed: {errors}");
        return text;
    }

    /// <summary>A new empty directory under the system's temporary directory.</summary>
    public static string TemporaryDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
