using System.Text.Json;

namespace Slipway.Cli.Commands;

/// <summary>An action of a synthesized pipeline.</summary>
/// <param name="Name">The action name.</param>
/// <param name="Provider">CodeBuild, CodeDeployToECS, Manual, ...</param>
/// <param name="RunOrder">Actions with the same run order run in parallel.</param>
public sealed record PipelineAction(string Name, string Provider, int RunOrder);

/// <summary>A stage of a synthesized pipeline.</summary>
/// <param name="Name">The stage name.</param>
/// <param name="Actions">Its actions.</param>
public sealed record PipelineStage(string Name, IReadOnlyList<PipelineAction> Actions);

/// <summary>The stages of a pipeline, read from its synthesized template: what will really run.</summary>
/// <param name="PipelineName">The pipeline.</param>
/// <param name="Stages">Its stages in order.</param>
public sealed record PipelineLayout(string PipelineName, IReadOnlyList<PipelineStage> Stages)
{
    /// <summary>Reads every pipeline of the synthesized stacks.</summary>
    public static IReadOnlyList<PipelineLayout> Read(IEnumerable<SynthesizedStack> stacks)
    {
        var layouts = new List<PipelineLayout>();
        foreach (var stack in stacks)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(stack.TemplatePath));
            if (!doc.RootElement.TryGetProperty("Resources", out var resources))
            {
                continue;
            }
            foreach (var resource in resources.EnumerateObject())
            {
                if (resource.Value.GetProperty("Type").GetString() != "AWS::CodePipeline::Pipeline")
                {
                    continue;
                }
                var props = resource.Value.GetProperty("Properties");
                var name = props.TryGetProperty("Name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : resource.Name;
                var stages = props.GetProperty("Stages").EnumerateArray().Select(stage => new PipelineStage(
                    stage.GetProperty("Name").GetString()!,
                    stage.GetProperty("Actions").EnumerateArray().Select(a => new PipelineAction(
                        a.GetProperty("Name").GetString()!,
                        a.GetProperty("ActionTypeId").GetProperty("Provider").GetString()!,
                        a.TryGetProperty("RunOrder", out var ro) ? ro.GetInt32() : 1)).ToList())).ToList();
                layouts.Add(new PipelineLayout(name, stages));
            }
        }
        return layouts;
    }
}

/// <summary>What an environment's traffic gate (the deployment's AfterAllowTestTraffic hook) runs, in words.</summary>
public static class TrafficGateText
{
    /// <summary>The deploy stage of <paramref name="target"/> (ServicePipeline names it so).</summary>
    public static string DeployStage(Slipway.Model.DeploymentTarget target) => $"Deploy-{target.Name}";

    /// <summary>Short: "integration tests" or "smoke test GET /health".</summary>
    public static string Short(Slipway.Model.DeploymentTarget target, Slipway.Model.ContainerSettings container) =>
        target.IntegrationTests is { GateTraffic: true } ? "integration tests" : $"smoke test GET {container.HealthCheckPath}";

    /// <summary>One sentence for <c>describe</c>.</summary>
    public static string Describe(Slipway.Model.DeploymentTarget target, Slipway.Model.ContainerSettings container) =>
        (target.IntegrationTests is { GateTraffic: true } it
            ? $"integration tests `{string.Join(' ', it.Command)}` (ECS task, timeout {it.TimeoutMinutes} min)"
            : $"smoke test (GET {container.HealthCheckPath} until 200, {Slipway.Runtime.TrafficGate.SmokeAttempts} tries)") +
        $" against the new tasks through the test listener (port {target.Network.TestListenerPort}), in CodeDeploy's {Slipway.Conventions.DeploymentContract.TestTrafficHook} hook; a failure or timeout rolls back before production traffic shifts";
}

