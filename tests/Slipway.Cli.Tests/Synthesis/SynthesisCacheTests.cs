using Slipway.Cli.Synthesis;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Synthesis;

/// <summary>
/// A cache entry is used only when every file in it is as it was written: one cut short, deleted,
/// edited or added makes the cache discard the entry and say what was wrong.
/// </summary>
public sealed class SynthesisCacheTests : IDisposable
{
    private const string Key = "0123456789abcdef0123456789abcdef";
    private readonly SynthesisCache _cache = new(GeneratedManifest.TemporaryDirectory("slipway-cache-test"));
    private readonly string _entry;

    public SynthesisCacheTests()
    {
        // What ServiceSynthesis writes: templates, an asset directory, the unit file last.
        var work = _cache.NewWorkDirectory();
        File.WriteAllText(Path.Combine(work, "OrdersPipelineDev.template.json"), "{\"Resources\":{\"Bucket\":{\"Type\":\"AWS::S3::Bucket\"}}}");
        Directory.CreateDirectory(Path.Combine(work, "asset.abc"));
        File.WriteAllText(Path.Combine(work, "asset.abc", "index.js"), "exports.handler = async () => {};");
        File.WriteAllText(Path.Combine(work, "manifest.json"), "{}");
        File.WriteAllText(Path.Combine(work, "slipway-unit.json"), "{}");
        _entry = _cache.Publish(Key, work);
    }

    public void Dispose() => Directory.Delete(_cache.Directory, recursive: true);

    private string? Damage()
    {
        Assert.Null(_cache.Find(Key, out var damage));
        Assert.False(Directory.Exists(_entry), "a damaged entry is discarded");
        return damage;
    }

    [Fact]
    public void A_published_entry_lists_every_file_and_is_found_intact()
    {
        Assert.Equal(_entry, _cache.Find(Key, out var damage));
        Assert.Null(damage);
        var digest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(_entry, SynthesisCache.DigestFile)))!["files"]!.AsObject();
        Assert.Equal(new[] { "OrdersPipelineDev.template.json", "asset.abc/index.js", "manifest.json", "slipway-unit.json" }, digest.Select(f => f.Key));
        Assert.Equal(51, digest["OrdersPipelineDev.template.json"]!["bytes"]!.GetValue<long>());
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(_entry, "manifest.json")))).ToLowerInvariant(),
            digest["manifest.json"]!["sha256"]!.GetValue<string>());
    }

    [Fact]
    public void A_file_cut_short_discards_the_entry()
    {
        File.WriteAllText(Path.Combine(_entry, "OrdersPipelineDev.template.json"), "{broken");
        Assert.Equal("OrdersPipelineDev.template.json is 7 bytes, 51 when written", Damage());
    }

    [Fact]
    public void A_deleted_file_discards_the_entry()
    {
        File.Delete(Path.Combine(_entry, "asset.abc", "index.js"));
        Assert.Equal("asset.abc/index.js is missing", Damage());
    }

    [Fact]
    public void A_file_edited_to_the_same_size_discards_the_entry()
    {
        var file = Path.Combine(_entry, "OrdersPipelineDev.template.json");
        File.WriteAllText(file, File.ReadAllText(file).Replace("S3::Bucket", "S3::Bukket", StringComparison.Ordinal));
        Assert.Equal("OrdersPipelineDev.template.json was changed after it was written", Damage());
    }

    [Fact]
    public void A_file_added_to_an_entry_discards_it()
    {
        File.WriteAllText(Path.Combine(_entry, "Stray.template.json"), "{}");
        Assert.Equal("Stray.template.json was not written by Slipway", Damage());
    }

    [Fact]
    public void An_entry_without_its_list_of_files_is_not_used()
    {
        // As the entries of cache format 1 were, had one been found under a current key.
        File.Delete(Path.Combine(_entry, SynthesisCache.DigestFile));
        Assert.Equal("slipway-digest.json, the list of its files, is missing", Damage());
    }

    [Fact]
    public void A_damaged_entry_is_replaced_when_the_service_is_published_again()
    {
        File.Delete(Path.Combine(_entry, "manifest.json"));
        var work = _cache.NewWorkDirectory();
        File.WriteAllText(Path.Combine(work, "slipway-unit.json"), "{}");

        Assert.Equal(_entry, _cache.Publish(Key, work));
        Assert.Equal(_entry, _cache.Find(Key));
        Assert.False(File.Exists(Path.Combine(_entry, "OrdersPipelineDev.template.json")));
    }

    [Fact]
    public void Entries_of_another_cache_format_or_code_version_are_never_read()
    {
        var context = new Dictionary<string, object>();
        var current = SynthesisCache.Key("{}", context, "{}");
        Assert.Equal(current, SynthesisCache.Key(SynthesisCache.FormatVersion, SynthesisCache.CodeVersion, "{}", context, "{}"));
        Assert.NotEqual(current, SynthesisCache.Key("slipway-synthesis-cache/1", SynthesisCache.CodeVersion, "{}", context, "{}"));
        Assert.NotEqual(current, SynthesisCache.Key(SynthesisCache.FormatVersion, SynthesisCache.CodeVersion.Replace("Slipway ", "Slipway 0.0.0-other ", StringComparison.Ordinal), "{}", context, "{}"));
        Assert.Contains("Slipway.Cli ", SynthesisCache.CodeVersion, StringComparison.Ordinal);
    }
}
