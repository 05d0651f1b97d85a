using Slipway.Observability;
using Slipway.Tests.Observability.Support;
using Slipway.Conventions;

namespace Slipway.Tests.Conventions;

public sealed class EmbeddedAssetTests
{
    private static readonly System.Reflection.Assembly Slipway = typeof(EmbeddedAsset).Assembly;

    [Fact]
    public void Handler_files_are_embedded_under_their_namespace_path()
    {
        var names = Slipway.GetManifestResourceNames();

        Assert.Contains("Slipway.Observability.DeliveryMetrics.index.js", names);
        Assert.Contains("Slipway.Observability.DeliveryMetrics.store.js", names);
        Assert.All(DeliveryMetricsCollector.HandlerFiles, f => Assert.Contains(DeliveryMetricsCollector.ResourcePrefix + f, names));
    }

    [Fact]
    public void Staged_directory_holds_exact_copies_of_the_handler_sources_and_nothing_else()
    {
        var directory = EmbeddedAsset.Stage(Slipway, DeliveryMetricsCollector.ResourcePrefix, DeliveryMetricsCollector.HandlerFiles.ToArray());

        Assert.StartsWith(EmbeddedAsset.Root, directory);
        Assert.Equal(DeliveryMetricsCollector.HandlerFiles.Order(), Directory.GetFiles(directory).Select(Path.GetFileName).Order()!);
        Assert.All(DeliveryMetricsCollector.HandlerFiles, f =>
            Assert.Equal(File.ReadAllBytes(Path.Combine(HandlerMetrics.SourceDirectory, f)), File.ReadAllBytes(Path.Combine(directory, f))));
    }

    [Fact]
    public void Staging_again_returns_the_same_directory_and_repairs_an_edited_copy()
    {
        // store.js alone: a directory of its own, so the real handler's copy (which other synthesizing
        // processes may be reading) is never edited.
        var first = EmbeddedAsset.Stage(Slipway, DeliveryMetricsCollector.ResourcePrefix, "store.js");
        File.WriteAllText(Path.Combine(first, "store.js"), "// edited");

        var second = EmbeddedAsset.Stage(Slipway, DeliveryMetricsCollector.ResourcePrefix, "store.js");

        Assert.Equal(first, second);
        Assert.Equal(File.ReadAllBytes(Path.Combine(HandlerMetrics.SourceDirectory, "store.js")), File.ReadAllBytes(Path.Combine(second, "store.js")));
    }

    [Fact]
    public void Missing_resource_is_reported_by_name()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EmbeddedAsset.Stage(Slipway, "Slipway.Nowhere.", "index.js"));

        Assert.Equal("The embedded resource Slipway.Nowhere.index.js is missing from Slipway.", error.Message);
    }
}
