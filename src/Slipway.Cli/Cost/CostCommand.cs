using System.Text.Json.Nodes;
using Slipway.Cli.Commands;
using Slipway.Cli.Manifest;
using Slipway.Cli.Synthesis;
using Slipway.Stacks;

namespace Slipway.Cli.Cost;

/// <summary><c>slipway cost</c>: the estimated monthly cost of each environment and pipeline of a manifest.</summary>
public static class CostCommand
{
    /// <summary>Synthesizes the manifest (through the cache) and prints the estimates, with the shipped prices or those of <paramref name="pricesFile"/>.</summary>
    public static int Run(string file, SynthesisOptions options, TextWriter output, string? pricesFile = null)
    {
        PriceList prices;
        try
        {
            prices = pricesFile is null ? PriceList.Shipped : PriceList.Parse(File.ReadAllText(pricesFile));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or InvalidDataException or FormatException)
        {
            throw new IOException($"{pricesFile}: not a price list in the format of src/Slipway.Cli/Cost/prices.json ({e.Message.Split('\n')[0]}).", e);
        }
        if (ManifestSynthesis.WillSynthesize(options))
        {
            JsiiWarmup.Start();
        }
        var manifest = ManifestLoader.ReadFile(file);
        var outdir = Path.Combine(Path.GetTempPath(), "slipway-cost-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = ManifestSynthesis.Run(manifest, outdir, options);
            output.Write(CostReport.Render(Estimate(manifest, result.Stacks, prices), prices));
            return Commands.Cli.Ok;
        }
        finally
        {
            if (Directory.Exists(outdir))
            {
                Directory.Delete(outdir, recursive: true);
            }
        }
    }

    /// <summary>The estimates of every service of <paramref name="manifest"/> from its synthesized <paramref name="stacks"/>.</summary>
    public static IReadOnlyList<ServiceCost> Estimate(LoadedManifest manifest, IReadOnlyList<SynthesizedStack> stacks, PriceList prices)
    {
        var estimator = new CostEstimator(prices);
        // Stacks are found by the description Slipway gives them (ServiceRuntimeStack, ServicePipelineStack).
        var templates = stacks.Select(s => (Stack: s, Template: JsonNode.Parse(File.ReadAllText(s.TemplatePath))!.AsObject())).ToList();
        (SynthesizedStack Stack, JsonObject Template) Find(string description) =>
            templates.Single(t => t.Template["Description"]?.GetValue<string>()?.StartsWith(description, StringComparison.Ordinal) == true);

        return manifest.Services.Select(service =>
        {
            var environments = service.Environments.Select(target =>
            {
                var (stack, template) = Find($"Slipway runtime of {service.Name} in {target.Name} (");
                return (target, stack, template, estimate: estimator.Runtime(template, stack.Name, service, target));
            }).ToList();
            var pipeline = Find($"Slipway delivery pipeline of {service.Name} (");
            var cheaper = environments.Where(e => !e.target.IsProduction)
                .Select(e => estimator.Cheaper(e.template, e.stack.Name, service, e.target)).ToList();
            return new ServiceCost(service.Name, environments.Select(e => e.estimate).ToList(),
                estimator.Pipeline(pipeline.Template, pipeline.Stack.Name, service), cheaper);
        }).ToList();
    }
}
