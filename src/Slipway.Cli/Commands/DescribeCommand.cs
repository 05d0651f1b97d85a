using Slipway.Cli.Manifest;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway describe</c>.</summary>
public static class DescribeCommand
{
    /// <summary>Prints, per service, the pipeline's stages and actions in order and each environment's settings.</summary>
    public static int Run(string file, string? suffix, TextWriter output)
    {
        var manifest = ManifestLoader.ReadFile(file);
        var services = manifest.Services;
        var outdir = Path.Combine(Path.GetTempPath(), "slipway-describe-" + Guid.NewGuid().ToString("N"));
        try
        {
            var stacks = Synthesis.ManifestSynthesis.Run(manifest, outdir, new Synthesis.SynthesisOptions { Suffix = suffix }).Stacks;
            var layouts = PipelineLayout.Read(stacks);
            foreach (var (service, layout) in services.Zip(layouts))
            {
                output.WriteLine($"{service.Name}: pipeline {layout.PipelineName} in {service.ToolingAccount}/{service.ToolingRegion}" +
                                 (service.IsCrossAccount ? " (cross-account, KMS-encrypted artifacts)" : " (single account)"));
                output.WriteLine($"  source: {service.Source.Describe()}");
                var stageNumber = 1;
                foreach (var stage in layout.Stages)
                {
                    var groups = stage.Actions.GroupBy(a => a.RunOrder).OrderBy(g => g.Key)
                        .Select(g => string.Join(" + ", g.Select(a => $"{a.Name} ({a.Provider})")) + (g.Count() > 1 ? " [parallel]" : ""));
                    output.WriteLine($"  {stageNumber++}. {stage.Name}: {string.Join(" -> ", groups)}");
                }
                var scan = service.Build.ImageScan;
                output.WriteLine(scan.Enabled
                    ? $"  image scan: Trivy {scan.TrivyVersion} fails the build on {string.Join(", ", Slipway.Model.ImageScanSettings.AtOrAbove(scan.FailOn))}"
                    : "  image scan: off");
                if (service.Build.UnitTests is { } tests)
                {
                    output.WriteLine($"  unit tests: {tests.Preset.ToString().ToLowerInvariant()} (failing tests fail the build; results in a CodeBuild report group)");
                }
                if (service.Build.StaticAnalysis is { } sast)
                {
                    output.WriteLine($"  static analysis: {sast.Preset.ToString().ToLowerInvariant()}" + (sast.Preset == Slipway.Model.CheckPreset.Bandit ? " (fails on high severity)" : ""));
                }
                foreach (var env in service.Environments)
                {
                    output.WriteLine($"  environment {env.Name}: {env.Account}/{env.Region}; " +
                                     (env.NeedsApproval ? "manual approval first; " : "deployed automatically; ") +
                                     $"traffic {env.EffectiveTrafficShifting}; old tasks kept {env.EffectiveTerminationWaitMinutes} min; " +
                                     $"{env.EffectiveDesiredCount} task(s); rollback on failure, stop or alarm");
                    output.WriteLine($"    before traffic shifts: {TrafficGateText.Describe(env, service.Container)}");
                    if (env.IntegrationTests is { GateTraffic: false } after)
                    {
                        output.WriteLine($"    after traffic shifts: integration tests `{string.Join(' ', after.Command)}` (pipeline action IntegrationTests, against the production listener)");
                    }
                }
            }
            return Cli.Ok;
        }
        finally
        {
            if (Directory.Exists(outdir))
            {
                Directory.Delete(outdir, recursive: true);
            }
        }
    }
}
