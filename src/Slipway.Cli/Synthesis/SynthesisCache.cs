using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Stacks;

namespace Slipway.Cli.Synthesis;

/// <summary>
/// Keeps each service's synthesized assembly (templates, asset manifests, assets, its
/// manifest.json and tree.json) under <c>&lt;cache&gt;/&lt;key&gt;/</c>, where the key is a hash
/// of everything the service's stacks are made from:
/// <list type="bullet">
/// <item>the service's section of the manifest;</item>
/// <item>the code that synthesizes it: the Slipway assemblies (by module version id, which
/// changes with every change to the code) and the CDK, constructs and jsii runtime assemblies;</item>
/// <item>the CDK context: what Slipway gives the app (zones recorded in cdk.context.json, suffix) and what the CDK CLI
/// passes (<c>CDK_CONTEXT_JSON</c>, including cdk.json and cdk.context.json values).</item>
/// </list>
/// Any change to one of them gives another key, so a stale entry is never used; old entries are
/// removed after <see cref="RetentionDays"/> days without use.
/// <para>
/// An entry is published whole (a rename) with <see cref="DigestFile"/>, the SHA-256 and size of
/// every file in it; <see cref="Find"/> checks them before the entry is used, so a file cut short
/// by a full disk or a killed copy, deleted or edited by hand is never copied into a cloud
/// assembly: the entry is discarded and the service synthesized again.
/// </para>
/// </summary>
public sealed class SynthesisCache
{
    /// <summary>Entries unused for this many days are deleted.</summary>
    public const int RetentionDays = 14;

    /// <summary>The file of an entry that lists every other file in it with its size and SHA-256.</summary>
    public const string DigestFile = "slipway-digest.json";

    /// <summary>
    /// The layout of entries and the way keys are computed, part of every key: entries of another
    /// format are never read. Bump it when either changes (2: entries carry <see cref="DigestFile"/>).
    /// </summary>
    public const string FormatVersion = "slipway-synthesis-cache/2";

    private static readonly Lazy<string> Code = new(CodeIdentity);

    /// <summary>The cache directory.</summary>
    public string Directory { get; }

    /// <summary>Uses (and creates, when needed) <paramref name="directory"/>.</summary>
    public SynthesisCache(string directory) => Directory = Path.GetFullPath(directory);

    /// <summary>The key of a service's synthesized assembly.</summary>
    /// <param name="section">The service's manifest section (compact JSON).</param>
    /// <param name="context">The context Slipway seeds for the service.</param>
    /// <param name="environmentContext">The context from the CDK CLI, from <see cref="EnvironmentContext"/>.</param>
    public static string Key(string section, IReadOnlyDictionary<string, object> context, string environmentContext) =>
        Key(FormatVersion, Code.Value, section, context, environmentContext);

    /// <summary>The key of <see cref="Key(string, IReadOnlyDictionary{string, object}, string)"/> for another cache format and code identity.</summary>
    public static string Key(string format, string code, string section, IReadOnlyDictionary<string, object> context, string environmentContext)
    {
        var text = string.Join("\n",
            format,
            code,
            section,
            JsonSerializer.Serialize(context),
            environmentContext);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32].ToLowerInvariant();
    }

    /// <summary>The code identity in every key: the name, version and module version id of each assembly that shapes the templates.</summary>
    public static string CodeVersion => Code.Value;

    /// <summary>The entry of <paramref name="key"/>, when it exists and every file in it is as written.</summary>
    public string? Find(string key) => Find(key, out _);

    /// <summary>
    /// The entry of <paramref name="key"/>, when it exists and every file in it is as written. An
    /// entry that is not is discarded (moved aside, then deleted) and <paramref name="damage"/> says
    /// what was wrong with it ("OrdersPipelineDev.template.json is 7 bytes, 226,101 when written").
    /// </summary>
    public string? Find(string key, out string? damage)
    {
        damage = null;
        var entry = Path.Combine(Directory, key);
        if (!System.IO.Directory.Exists(entry))
        {
            return null;
        }
        damage = Verify(entry);
        if (damage is null)
        {
            return entry;
        }
        Discard(entry);
        return null;
    }

    /// <summary>What is wrong with the entry at <paramref name="entry"/>, or null when every file is as written.</summary>
    public static string? Verify(string entry)
    {
        var digestFile = Path.Combine(entry, DigestFile);
        if (!File.Exists(digestFile))
        {
            return $"{DigestFile}, the list of its files, is missing";
        }
        Dictionary<string, (long Bytes, string Sha256)> written;
        try
        {
            written = JsonNode.Parse(File.ReadAllText(digestFile))!["files"]!.AsObject()
                .ToDictionary(f => f.Key, f => (f.Value!["bytes"]!.GetValue<long>(), f.Value["sha256"]!.GetValue<string>()), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            return $"{DigestFile}, the list of its files, is damaged";
        }
        foreach (var (file, (bytes, sha256)) in written.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(entry, file);
            if (!File.Exists(path))
            {
                return $"{file} is missing";
            }
            var length = new FileInfo(path).Length;
            if (length != bytes)
            {
                return $"{file} is {length.ToString("N0", CultureInfo.InvariantCulture)} bytes, {bytes.ToString("N0", CultureInfo.InvariantCulture)} when written";
            }
            if (Sha256Of(path) != sha256)
            {
                return $"{file} was changed after it was written";
            }
        }
        var extra = Files(entry).FirstOrDefault(f => f != DigestFile && !written.ContainsKey(f));
        return extra is null ? null : $"{extra} was not written by Slipway";
    }

    /// <summary>A new empty directory to synthesize into before <see cref="Publish"/>.</summary>
    public string NewWorkDirectory()
    {
        var dir = Path.Combine(Directory, "tmp-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// Makes the assembly synthesized in <paramref name="workDirectory"/> the entry of
    /// <paramref name="key"/>, atomically (a rename), and returns the entry. When another process
    /// published the same key meanwhile, its entry is kept: both have the same content.
    /// </summary>
    public string Publish(string key, string workDirectory)
    {
        WriteDigest(workDirectory);
        var entry = Path.Combine(Directory, key);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                System.IO.Directory.Move(workDirectory, entry);
                return entry;
            }
            catch (IOException) when (Find(key) is not null)
            {
                System.IO.Directory.Delete(workDirectory, recursive: true);
                return entry;
            }
            catch (IOException) when (attempt == 0 && !System.IO.Directory.Exists(entry))
            {
                // A damaged entry was in the way; Find discarded it.
            }
        }
    }

    // Written last into the work directory, so a published entry always has it.
    private static void WriteDigest(string directory)
    {
        var files = new JsonObject();
        foreach (var file in Files(directory).Where(f => f != DigestFile))
        {
            var path = Path.Combine(directory, file);
            files[file] = new JsonObject { ["bytes"] = new FileInfo(path).Length, ["sha256"] = Sha256Of(path) };
        }
        File.WriteAllText(Path.Combine(directory, DigestFile), new JsonObject { ["files"] = files }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    // Every file under directory, as a relative path with '/' separators, in ordinal order.
    private static IEnumerable<string> Files(string directory) =>
        System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    // Moved aside first (a rename), so no other synthesis finds it half deleted.
    private void Discard(string entry)
    {
        var aside = Path.Combine(Directory, "tmp-discarded-" + Guid.NewGuid().ToString("N"));
        try
        {
            System.IO.Directory.Move(entry, aside);
            System.IO.Directory.Delete(aside, recursive: true);
        }
        catch (IOException)
        {
            // Another synthesis discarded or replaced it meanwhile; the aside copy, if any, is pruned later.
        }
        catch (UnauthorizedAccessException)
        {
            // Left for Prune or the user; it is not used.
        }
    }

    /// <summary>
    /// Marks <paramref name="used"/> entries as used now and deletes entries unused for
    /// <see cref="RetentionDays"/> days, and work directories left by interrupted runs.
    /// </summary>
    public void Prune(IEnumerable<string> used)
    {
        var now = DateTime.UtcNow;
        foreach (var entry in used)
        {
            System.IO.Directory.SetLastWriteTimeUtc(entry, now);
        }
        foreach (var dir in System.IO.Directory.EnumerateDirectories(Directory))
        {
            var age = now - System.IO.Directory.GetLastWriteTimeUtc(dir);
            var stale = Path.GetFileName(dir).StartsWith("tmp-", StringComparison.Ordinal) ? age > TimeSpan.FromDays(1) : age > TimeSpan.FromDays(RetentionDays);
            if (stale)
            {
                try
                {
                    System.IO.Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // In use by another synthesis; the next one retries.
                }
            }
        }
    }

    // Name, version and module version id of every assembly that shapes the templates. The MVID of
    // a deterministic build is a hash of its content: a rebuild of the same code keeps the cache,
    // any change to it does not.
    private static string CodeIdentity() => string.Join("\n", new[]
    {
        typeof(SlipwayStacks).Assembly,
        typeof(SynthesisCache).Assembly,
        typeof(Amazon.CDK.App).Assembly,
        typeof(Constructs.Construct).Assembly,
        typeof(Amazon.JSII.Runtime.Deputy.DeputyBase).Assembly,
    }.Select(a => $"{a.GetName().Name} {a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion} {a.ManifestModule.ModuleVersionId}"));

    /// <summary>
    /// The context the CDK CLI hands the app (cdk.json, cdk.context.json, -c values) as canonical
    /// JSON; "manifest" is left out: it only chooses the file, whose content is keyed per service.
    /// </summary>
    public static string EnvironmentContext() => EnvironmentContext(
        Environment.GetEnvironmentVariable("CDK_CONTEXT_JSON"),
        // Large contexts are passed in a file instead (aws-cdk-lib App.readContextFromTempFile).
        Environment.GetEnvironmentVariable("CONTEXT_OVERFLOW_LOCATION_ENV") is { Length: > 0 } file && File.Exists(file) ? File.ReadAllText(file) : null);

    /// <summary>The canonical form of the CDK CLI's context, given as JSON text and as the overflow file's text.</summary>
    public static string EnvironmentContext(string? contextJson, string? overflowJson)
    {
        var context = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (contextJson is { Length: > 0 })
        {
            AddAll(context, JsonNode.Parse(contextJson));
        }
        if (overflowJson is { Length: > 0 })
        {
            AddAll(context, JsonNode.Parse(overflowJson));
        }
        context.Remove("manifest");
        return Canonical(new JsonObject(context.Select(c => KeyValuePair.Create(c.Key, c.Value?.DeepClone()))));
    }

    private static void AddAll(SortedDictionary<string, JsonNode?> context, JsonNode? values)
    {
        foreach (var (key, value) in values?.AsObject() ?? new JsonObject())
        {
            context[key] = value;
        }
    }

    /// <summary>JSON with object keys sorted at every level, so equal values give equal text.</summary>
    public static string Canonical(JsonNode? node) => Sorted(node)?.ToJsonString() ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
