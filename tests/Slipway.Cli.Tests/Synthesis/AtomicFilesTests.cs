using Slipway.Cli.Synthesis;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Synthesis;

/// <summary>Files of a cloud assembly are replaced whole or not at all, and a killed run's temporary files are removed.</summary>
public sealed class AtomicFilesTests : IDisposable
{
    private readonly string _dir = GeneratedManifest.TemporaryDirectory("slipway-atomic");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_write_that_fails_leaves_the_old_file_and_no_temporary_file()
    {
        var target = Path.Combine(_dir, "Orders.template.json");
        File.WriteAllText(target, "{\"old\":true}");

        Assert.Throws<IOException>(() => AtomicFiles.Write(target, temporary =>
        {
            File.WriteAllText(temporary, "{\"ne");
            throw new IOException("No space left on device", 28);
        }));

        Assert.Equal("{\"old\":true}", File.ReadAllText(target));
        Assert.Equal(new[] { "Orders.template.json" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Temporary_files_of_ended_processes_are_removed_and_a_running_ones_kept()
    {
        using var ended = System.Diagnostics.Process.Start("true")!;
        ended.WaitForExit();
        var stale = Path.Combine(_dir, $".Orders.template.json.slipway-tmp-{ended.Id}-0123");
        var staleDir = Path.Combine(_dir, $".asset.abc.slipway-tmp-{ended.Id}-4567");
        var mine = AtomicFiles.TemporaryName(Path.Combine(_dir, "Billing.template.json"));
        File.WriteAllText(stale, "{");
        Directory.CreateDirectory(staleDir);
        File.WriteAllText(mine, "{");

        AtomicFiles.RemoveLeftovers(_dir);

        Assert.False(File.Exists(stale));
        Assert.False(Directory.Exists(staleDir));
        Assert.True(File.Exists(mine));
    }
}
