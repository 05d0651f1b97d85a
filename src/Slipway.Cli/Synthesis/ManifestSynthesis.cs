using Slipway.Cli.Commands;
using Slipway.Cli.Manifest;

namespace Slipway.Cli.Synthesis;

/// <summary>What a synthesis produced.</summary>
/// <param name="Stacks">Every stack, in deployment order.</param>
/// <param name="Synthesized">Services synthesized by this run.</param>
/// <param name="Reused">Services whose stacks came from the cache unchanged.</param>
public sealed record SynthesisResult(IReadOnlyList<SynthesizedStack> Stacks, int Synthesized, int Reused);

/// <summary>
/// Synthesizes a manifest service by service: a service whose section of the manifest, Slipway
/// code and CDK context are unchanged is taken from the cache; the others are synthesized, in
/// parallel processes when there are several, and the parts are joined into one cloud assembly.
/// </summary>
public static class ManifestSynthesis
{
    /// <summary>
    /// True when a synthesis with <paramref name="options"/> will start the JavaScript runtime
    /// for certain: without a cache, or with an empty one (a fresh clone, CI). Then it is worth
    /// starting it before the manifest is read (<see cref="JsiiWarmup"/>).
    /// </summary>
    public static bool WillSynthesize(SynthesisOptions options) =>
        options.CacheDirectory is not { } cache || !Directory.Exists(cache) || !Directory.EnumerateDirectories(cache).Any();

    /// <summary>Synthesizes <paramref name="manifest"/> into <paramref name="outdir"/>.</summary>
    public static SynthesisResult Run(LoadedManifest manifest, string outdir, SynthesisOptions options)
    {
        CheckAvailabilityZones(manifest, options.Suffix);
        CheckSharedNetworks(manifest, options.Suffix);
        if (manifest.GitHub is not null)
        {
            // The GitHub deploy stacks depend on every service's accounts: one app, no per-service reuse.
            var all = SlipwayApp.Synthesize(manifest.Services, outdir, options.Suffix, manifest.GitHub);
            return new SynthesisResult(all, manifest.Services.Count, 0);
        }
        var temporary = options.CacheDirectory is null
            ? Path.Combine(Path.GetTempPath(), "slipway-synth-" + Guid.NewGuid().ToString("N"))
            : null;
        var cache = new SynthesisCache(options.CacheDirectory ?? temporary!);
        Directory.CreateDirectory(cache.Directory);
        try
        {
            var environmentContext = SynthesisCache.EnvironmentContext();
            var keys = manifest.Services.Select((s, i) => SynthesisCache.Key(manifest.Sections[i],
                ServiceSynthesis.Context(new[] { s }, options.Suffix), environmentContext)).ToList();
            var entries = keys.Select(k => temporary is null ? cache.Find(k) : null).ToList();
            Timings.Lap($"cache lookup ({entries.Count(e => e is not null)} of {entries.Count} services cached)");

            var missing = Enumerable.Range(0, keys.Count).Where(i => entries[i] is null).ToList();
            // The same service twice in a manifest is rejected by the loader; equal keys cannot occur.
            var work = missing.ToDictionary(i => i, _ => cache.NewWorkDirectory());
            SynthesizeMissing(manifest, options, missing, work, cache.Directory);
            foreach (var i in missing)
            {
                entries[i] = cache.Publish(keys[i], work[i]);
            }

            var stacks = CloudAssemblyMerge.Write(entries.Select(e => e!).ToList(), outdir);
            Timings.Lap("merge into one cloud assembly");
            if (temporary is null)
            {
                cache.Prune(entries.Select(e => e!));
            }
            return new SynthesisResult(stacks, missing.Count, keys.Count - missing.Count);
        }
        finally
        {
            if (temporary is not null && Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    /// <summary>
    /// Fails before synthesis, naming the manifest's fields, when a new VPC has neither declared
    /// availability zones nor zones recorded in cdk.context.json and the CDK CLI (which would look
    /// them up) does not run the app. The library checks the same in SlipwayStacks.Add, in the
    /// C# caller's terms.
    /// </summary>
    public static void CheckAvailabilityZones(LoadedManifest manifest, string? suffix)
    {
        if (Slipway.Runtime.AvailabilityZoneSettings.UnderCdkCli())
        {
            return;
        }
        var context = ServiceSynthesis.Context(manifest.Services, suffix);
        var v = new Slipway.Conventions.Validator();
        foreach (var (service, i) in manifest.Services.Select((s, i) => (s, i)))
        {
            Slipway.Runtime.AvailabilityZoneSettings.Check(service, key => context.TryGetValue(key, out var zones) ? zones : null, false, v, $"services[{i}]");
        }
        if (v.Problems.Count > 0)
        {
            throw manifest.Problems(v.Problems);
        }
    }

    /// <summary>
    /// Fails before synthesis when two environments that share a network describe it differently:
    /// the services are synthesized apart, and each writes the shared network's stack.
    /// </summary>
    public static void CheckSharedNetworks(LoadedManifest manifest, string? suffix)
    {
        var v = new Slipway.Conventions.Validator();
        Slipway.Runtime.SharedNetworkStack.CheckConsistent(manifest.Services, suffix ?? Slipway.Conventions.ResourceNames.DefaultSuffix, v, (i, j) => $"services[{i}].environments[{j}]");
        if (v.Problems.Count > 0)
        {
            throw manifest.Problems(v.Problems);
        }
    }

    private static void SynthesizeMissing(LoadedManifest manifest, SynthesisOptions options, IReadOnlyList<int> missing,
        IReadOnlyDictionary<int, string> work, string scratch)
    {
        if (missing.Count == 0)
        {
            return;
        }
        var self = SynthesisWorkers.SelfInvocation();
        var processes = self is null ? 1 : Math.Clamp(options.Jobs, 1, missing.Count);
        // Round robin: neighbours in a manifest tend to be alike, so each process gets a mix.
        var groups = Enumerable.Range(0, processes).Select(p => missing.Where((_, n) => n % processes == p).ToList()).ToList();
        var workers = new List<SynthesisWorkers.Worker>();
        if (processes > 1)
        {
            var copy = Path.Combine(scratch, $"manifest-{Guid.NewGuid():N}.yaml");
            File.WriteAllText(copy, manifest.Text);
            var done = false;
            try
            {
                workers.AddRange(groups.Skip(1).Select(g => SynthesisWorkers.Start(self!.Value, copy, options.Suffix, g.Select(i => (i, work[i])))));
                Synthesize(manifest, options, groups[0], work);
                foreach (var worker in workers)
                {
                    worker.Wait();
                }
                done = true;
            }
            finally
            {
                if (!done)
                {
                    workers.ForEach(w => w.Stop());
                }
                File.Delete(copy);
            }
            Timings.Lap($"synthesize {missing.Count} service(s) in {processes} processes");
        }
        else
        {
            Synthesize(manifest, options, groups[0], work);
        }
    }

    private static void Synthesize(LoadedManifest manifest, SynthesisOptions options, IEnumerable<int> indexes, IReadOnlyDictionary<int, string> work)
    {
        foreach (var i in indexes)
        {
            ServiceSynthesis.Run(manifest.Services[i], options.Suffix, work[i]);
            Timings.Lap($"synthesize {manifest.Services[i].Name}");
        }
    }
}
