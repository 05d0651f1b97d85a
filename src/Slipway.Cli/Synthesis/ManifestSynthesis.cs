using Slipway.Cli.Commands;
using Slipway.Cli.Manifest;
using Slipway.Stacks;
using Slipway.Model;

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
            var entries = keys.Select((k, i) => temporary is null ? Lookup(cache, k, manifest.Services[i].Name, options) : null).ToList();
            Timings.Lap($"cache lookup ({entries.Count(e => e is not null)} of {entries.Count} services cached)");

            var missing = Enumerable.Range(0, keys.Count).Where(i => entries[i] is null).ToList();
            // The same service twice in a manifest is rejected by the loader; equal keys cannot occur.
            var work = missing.ToDictionary(i => i, _ => cache.NewWorkDirectory());
            SynthesizeMissing(manifest, options, missing, work, cache.Directory);
            foreach (var i in missing)
            {
                entries[i] = cache.Publish(keys[i], work[i]);
            }

            IReadOnlyList<SynthesizedStack> stacks;
            try
            {
                stacks = CloudAssemblyMerge.Write(entries.Select(e => e!).ToList(), outdir);
            }
            catch (IOException e) when (SynthesisFailures.ResourceProblem(e) is { } problem)
            {
                throw new SynthesisResourceException($"the cloud assembly could not be written to {outdir}: {problem}. Free space there, or write elsewhere with -o DIR, and run again. Every file already in {outdir} is complete: each is replaced whole or not at all.", e);
            }
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

    // A damaged entry is discarded by the cache; the service is then synthesized like a new one.
    private static string? Lookup(SynthesisCache cache, string key, string service, SynthesisOptions options)
    {
        var entry = cache.Find(key, out var damage);
        if (damage is not null)
        {
            options.Warn($"warning: the cached templates of service \"{service}\" ({Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(cache.Directory, key))}) are damaged ({damage}): discarded, synthesizing the service again.");
        }
        return entry;
    }

    /// <summary>
    /// Fails before synthesis, naming the manifest's fields, when a new VPC has neither declared
    /// availability zones nor zones recorded in cdk.context.json and the CDK CLI (which would look
    /// them up) does not run the app. The library checks the same in SlipwayStacks.Add, in the
    /// C# caller's terms.
    /// </summary>
    public static void CheckAvailabilityZones(LoadedManifest manifest, string? suffix)
    {
        if (Slipway.Model.AvailabilityZoneSettings.UnderCdkCli())
        {
            return;
        }
        var context = ServiceSynthesis.Context(manifest.Services, suffix);
        var v = new Slipway.Conventions.Validator();
        foreach (var (service, i) in manifest.Services.Select((s, i) => (s, i)))
        {
            Slipway.Model.AvailabilityZoneSettings.Check(service, key => context.TryGetValue(key, out var zones) ? zones : null, false, v, $"services[{i}]");
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
        Slipway.Stacks.SharedNetworkStack.CheckConsistent(manifest.Services, suffix ?? Slipway.Conventions.ResourceNames.DefaultSuffix, v, (i, j) => $"services[{i}].environments[{j}]");
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
            var failures = new List<(SynthesisWorkers.Worker Worker, SynthesisWorkers.Failure Failure)>();
            var done = false;
            try
            {
                workers.AddRange(groups.Skip(1).Select(g => SynthesisWorkers.Start(self!.Value, copy, options.Suffix, g.Select(i => (i, work[i])))));
                Synthesize(manifest, options, groups[0], work, processes);
                foreach (var worker in workers)
                {
                    if (worker.Wait() is { } failure)
                    {
                        failures.Add((worker, failure));
                    }
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
            foreach (var (worker, failure) in failures)
            {
                Retry(manifest, options, worker.Units, failure, work, processes);
            }
            Timings.Lap($"synthesize {missing.Count} service(s) in {processes} processes");
        }
        else
        {
            Synthesize(manifest, options, groups[0], work, processes);
        }
    }

    // A worker that died (killed for memory, a crash) loses only its own services: they are
    // synthesized once more here, where the runtime is already warm, before the synthesis gives up.
    private static void Retry(LoadedManifest manifest, SynthesisOptions options, IReadOnlyList<int> units, SynthesisWorkers.Failure failure,
        IReadOnlyDictionary<int, string> work, int processes)
    {
        var names = SynthesisFailures.Services(units.Select(i => manifest.Services[i].Name));
        options.Warn($"warning: the synthesis worker (pid {failure.ProcessId}) for {names} {failure.What}; synthesizing {(units.Count == 1 ? "it" : "them")} again in this process."
            + (failure.Resource ? $" If this recurs, {SynthesisFailures.MemoryAdvice}." : ""));
        foreach (var i in units)
        {
            // Whatever the worker wrote before it died is not used.
            Directory.Delete(work[i], recursive: true);
            Directory.CreateDirectory(work[i]);
        }
        try
        {
            Synthesize(manifest, options, units, work, processes);
        }
        catch (SynthesisResourceException e)
        {
            throw new SynthesisResourceException($"{names} could not be synthesized: the synthesis worker (pid {failure.ProcessId}) {failure.What}, and synthesizing {(units.Count == 1 ? "it" : "them")} again in this process failed too: {(e.InnerException as SynthesisResourceException ?? e).Message}", e);
        }
    }

    private static void Synthesize(LoadedManifest manifest, SynthesisOptions options, IEnumerable<int> indexes, IReadOnlyDictionary<int, string> work, int processes)
    {
        foreach (var i in indexes)
        {
            try
            {
                SynthesizeOne(manifest.Services[i], options.Suffix, work[i], processes: processes);
            }
            catch (SynthesisResourceException e) when (e.InnerException is not SynthesisResourceException)
            {
                throw new SynthesisResourceException($"{SynthesisFailures.Services(new[] { manifest.Services[i].Name })} could not be synthesized: {e.Message}", e);
            }
            Timings.Lap($"synthesize {manifest.Services[i].Name}");
        }
    }

    /// <summary>
    /// Synthesizes one service (<see cref="ServiceSynthesis.Run"/>); when the machine stops it (the
    /// JavaScript runtime ended, memory, a full disk), throws a <see cref="SynthesisResourceException"/>
    /// that says so and what to do, instead of the runtime's own error.
    /// </summary>
    /// <param name="service">The service.</param>
    /// <param name="suffix">The environment suffix.</param>
    /// <param name="outdir">Where its assembly is written.</param>
    /// <param name="processes">How many processes synthesize at once (the advice differs for one).</param>
    public static void SynthesizeOne(ServiceDefinition service, string? suffix, string outdir, int processes)
    {
        try
        {
            ServiceSynthesis.Run(service, suffix, outdir);
        }
        catch (Exception e) when (e is not SynthesisResourceException && SynthesisFailures.ResourceProblem(e) is { } problem)
        {
            var advice = problem.StartsWith("the disk is full", StringComparison.Ordinal)
                ? "free some disk space and run again"
                : processes > 1 ? SynthesisFailures.MemoryAdvice : "give the machine more memory";
            throw new SynthesisResourceException($"{problem}. To fix: {advice}.", e);
        }
    }
}
