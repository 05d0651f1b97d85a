using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

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
/// </summary>
public sealed class SynthesisCache
{
    /// <summary>Entries unused for this many days are deleted.</summary>
    public const int RetentionDays = 14;

    // Bump when the layout of an entry or the way keys are computed changes.
    private const string FormatVersion = "slipway-synthesis-cache/1";

    private static readonly Lazy<string> Code = new(CodeIdentity);

    /// <summary>The cache directory.</summary>
    public string Directory { get; }

    /// <summary>Uses (and creates, when needed) <paramref name="directory"/>.</summary>
    public SynthesisCache(string directory) => Directory = Path.GetFullPath(directory);

    /// <summary>The key of a service's synthesized assembly.</summary>
    /// <param name="section">The service's manifest section (compact JSON).</param>
    /// <param name="context">The context Slipway seeds for the service.</param>
    /// <param name="environmentContext">The context from the CDK CLI, from <see cref="EnvironmentContext"/>.</param>
    public static string Key(string section, IReadOnlyDictionary<string, object> context, string environmentContext)
    {
        var text = string.Join("\n",
            FormatVersion,
            Code.Value,
            section,
            JsonSerializer.Serialize(context),
            environmentContext);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32].ToLowerInvariant();
    }

    /// <summary>The entry of <paramref name="key"/>, when it is complete.</summary>
    public string? Find(string key)
    {
        var entry = Path.Combine(Directory, key);
        return File.Exists(Path.Combine(entry, ServiceSynthesis.UnitFile)) ? entry : null;
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
        var entry = Path.Combine(Directory, key);
        try
        {
            System.IO.Directory.Move(workDirectory, entry);
        }
        catch (IOException) when (Find(key) is not null)
        {
            System.IO.Directory.Delete(workDirectory, recursive: true);
        }
        return entry;
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
