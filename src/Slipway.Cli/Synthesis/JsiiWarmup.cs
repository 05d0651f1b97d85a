using Amazon.CDK;

namespace Slipway.Cli.Synthesis;

/// <summary>
/// Starts the jsii JavaScript runtime on a background thread while the manifest is read and
/// checked, so the two overlap on a second core. Starting it (node, loading aws-cdk-lib, the jsii
/// runtime's scan of the .NET assemblies' types, compiling the calls) takes 1-2 s of the few
/// seconds a one-service synthesis takes.
/// </summary>
/// <remarks>
/// The jsii client is not thread-safe: until <see cref="Wait"/> returns, nothing else may call
/// into it. Reading the manifest makes no jsii calls (<see cref="Slipway.Conventions.Validator.IsToken"/>
/// answers plain text itself); <see cref="Manifest.ManifestLoader"/> waits first when a value
/// looks like a CDK token.
/// </remarks>
public static class JsiiWarmup
{
    private static Task? _started;

    /// <summary>Starts the runtime in the background, once.</summary>
    public static void Start()
    {
        _started ??= Task.Factory.StartNew(() =>
        {
            // An app and one property read: starts node, loads the assemblies and fills the
            // runtime's type cache, which every later call needs.
            var app = new App(new AppProps { Outdir = Path.Combine(Path.GetTempPath(), "slipway-warmup"), AutoSynth = false });
            _ = app.Node.Id;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Waits until the runtime has started, when <see cref="Start"/> was called; rethrows what made it fail.</summary>
    public static void Wait() => _started?.GetAwaiter().GetResult();
}
