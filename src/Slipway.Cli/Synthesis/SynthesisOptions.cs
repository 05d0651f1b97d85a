namespace Slipway.Cli.Synthesis;

/// <summary>How <see cref="ManifestSynthesis"/> synthesizes a manifest.</summary>
public sealed class SynthesisOptions
{
    /// <summary>The cache directory used when none is given.</summary>
    public const string DefaultCacheDirectory = ".slipway/cache";

    /// <summary>The environment suffix of physical names (CDK context <c>environmentSuffix</c>).</summary>
    /// <remarks>Default: the context value, else <c>dev</c>.</remarks>
    public string? Suffix { get; init; }

    /// <summary>Where each service's synthesized stacks are kept for reuse; null turns the cache off.</summary>
    /// <remarks>Default: <see cref="DefaultCacheDirectory"/> under the current directory.</remarks>
    public string? CacheDirectory { get; init; } = DefaultCacheDirectory;

    /// <summary>How many processes synthesize services that are not cached, at most.</summary>
    /// <remarks>
    /// Default: the number of processors, at most 4. Each process starts its own JavaScript runtime
    /// (about 2 s of CPU and 300 MB), so more processes than cores only costs memory.
    /// </remarks>
    public int Jobs { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>
    /// Where a synthesis reports what it recovered from, one line each ("warning: ..."): a damaged
    /// cache entry it discarded and synthesized again, a worker that died and whose services it
    /// synthesized again in its own process.
    /// </summary>
    /// <remarks>Default: standard error.</remarks>
    public Action<string> Warn { get; init; } = message => Console.Error.WriteLine(message);
}
