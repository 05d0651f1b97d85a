using System.Text;
using Slipway.Cli.Manifest;

namespace Slipway.Cli.Commands;

/// <summary><c>slipway diagram</c>: a Mermaid flowchart per pipeline, which GitHub renders.</summary>
public static class DiagramCommand
{
    /// <summary>Writes the diagram to <paramref name="outputFile"/> or stdout.</summary>
    public static int Run(string file, string? outputFile, string? suffix, TextWriter output)
    {
        var manifest = ManifestLoader.ReadFile(file);
        var services = manifest.Services;
        var outdir = Path.Combine(Path.GetTempPath(), "slipway-diagram-" + Guid.NewGuid().ToString("N"));
        try
        {
            var layouts = PipelineLayout.Read(Synthesis.ManifestSynthesis.Run(manifest, outdir, new Synthesis.SynthesisOptions { Suffix = suffix }).Stacks);
            // What each deploy stage's CodeDeploy hook runs before the traffic shift.
            var gates = services.Zip(layouts).Select(x => (IReadOnlyDictionary<string, string>)x.First.Environments
                .ToDictionary(TrafficGateText.DeployStage, e => TrafficGateText.Short(e, x.First.Container))).ToList();
            var text = Render(layouts, gates);
            if (outputFile is null)
            {
                output.Write(text);
            }
            else
            {
                File.WriteAllText(outputFile, text);
                output.WriteLine($"Wrote {outputFile}.");
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

    /// <summary>
    /// The Mermaid text: stages as subgraphs, parallel actions side by side, and under each
    /// CodeDeploy action what its AfterAllowTestTraffic hook runs (<paramref name="gates"/>: per
    /// pipeline, stage name to label) before traffic shifts.
    /// </summary>
    public static string Render(IReadOnlyList<PipelineLayout> layouts, IReadOnlyList<IReadOnlyDictionary<string, string>>? gates = null)
    {
        var sb = new StringBuilder();
        foreach (var (layout, p) in layouts.Select((l, i) => (l, i)))
        {
            sb.AppendLine("```mermaid");
            sb.AppendLine("flowchart LR");
            sb.AppendLine($"  %% {layout.PipelineName}");
            string? previousExit = null;
            foreach (var (stage, s) in layout.Stages.Select((st, i) => (st, i)))
            {
                var stageId = $"p{p}s{s}";
                sb.AppendLine($"  subgraph {stageId}[\"{stage.Name}\"]");
                var groups = stage.Actions.GroupBy(a => a.RunOrder).OrderBy(g => g.Key).ToList();
                string? previousGroup = null;
                foreach (var (group, g) in groups.Select((gr, i) => (gr, i)))
                {
                    var ids = group.Select((a, i) => (a, id: $"{stageId}g{g}a{i}")).ToList();
                    foreach (var (action, id) in ids)
                    {
                        var shape = action.Provider == "Manual" ? $"{{{{\"{action.Name}\"}}}}" : $"[\"{action.Name}<br/><small>{action.Provider}</small>\"]";
                        sb.AppendLine($"    {id}{shape}");
                        if (action.Provider == "CodeDeployToECS" && gates is not null && p < gates.Count && gates[p].TryGetValue(stage.Name, out var gate))
                        {
                            sb.AppendLine($"    {id}h([\"{Slipway.Conventions.DeploymentContract.TestTrafficHook} hook<br/><small>{gate} via the test listener, before traffic shifts</small>\"])");
                            sb.AppendLine($"    {id} -.-> {id}h");
                        }
                        if (previousGroup is not null)
                        {
                            sb.AppendLine($"    {previousGroup} --> {id}");
                        }
                    }
                    previousGroup = ids[0].id;
                }
                sb.AppendLine("  end");
                if (previousExit is not null)
                {
                    sb.AppendLine($"  {previousExit} --> {stageId}");
                }
                previousExit = stageId;
            }
            sb.AppendLine("```");
        }
        return sb.ToString();
    }
}
