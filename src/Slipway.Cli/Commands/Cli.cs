using System.CommandLine;
using Slipway.Cli.Manifest;
using Slipway.Cli.Synthesis;
using Slipway.Conventions;

namespace Slipway.Cli.Commands;

/// <summary>The <c>slipway</c> command line.</summary>
public static class Cli
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The manifest or the arguments have mistakes (the message says how to fix them).</summary>
    public const int UserError = 1;

    /// <summary>An unexpected failure (a bug: please report it with the output).</summary>
    public const int InternalError = 3;

    private static readonly Option<string> FileOption = new("--file", "-f")
    {
        Description = "The manifest",
        // Under `cdk synth -c manifest=FILE` the CDK CLI passes its context in CDK_CONTEXT_JSON.
        DefaultValueFactory = _ => ManifestFromCdkContext() ?? ManifestLoader.DefaultFile,
    };

    /// <summary>Runs the command line and returns the exit code.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = stdout ?? Console.Out;
        var errors = stderr ?? Console.Error;

        var outOption = new Option<string>("--output", "-o") { Description = "Where the cloud assembly is written", DefaultValueFactory = _ => "cdk.out" };
        var suffixOption = new Option<string?>("--suffix") { Description = "The environment suffix of physical names (CDK context environmentSuffix; default dev)" };
        var diagramOut = new Option<string?>("--output", "-o") { Description = "Write the Mermaid diagram to this file instead of stdout" };
        var noCacheOption = new Option<bool>("--no-cache")
        {
            Description = $"Synthesize every service, neither reading nor writing the cache of unchanged services' templates ({SynthesisOptions.DefaultCacheDirectory})",
        };
        var jobsOption = new Option<int?>("--jobs", "-j")
        {
            Description = "Processes that synthesize changed services at once (default: the number of processors, at most 4)",
        };
        SynthesisOptions Options(ParseResult r) => new()
        {
            Suffix = r.GetValue(suffixOption),
            CacheDirectory = r.GetValue(noCacheOption) ? null : SynthesisOptions.DefaultCacheDirectory,
            Jobs = r.GetValue(jobsOption) ?? new SynthesisOptions().Jobs,
        };

        var synth = new Command("synth", "Synthesize the manifest into a CDK cloud assembly (what cdk.json runs). Services whose manifest section, Slipway version and CDK context are unchanged are reused from .slipway/cache.")
        {
            FileOption, outOption, suffixOption, noCacheOption, jobsOption,
        };
        synth.SetAction(r => Guard(errors, () => SynthCommand.Run(r.GetValue(FileOption)!, r.GetValue(outOption)!, Options(r), output, errors)));

        var unitOption = new Option<string[]>("--unit") { Description = "INDEX=DIRECTORY: synthesize the manifest's service INDEX into DIRECTORY", Arity = ArgumentArity.OneOrMore };
        var worker = new Command(SynthesisWorkers.Command, "Synthesize some services of a manifest, each into its own directory (started by synth)")
        {
            FileOption, suffixOption, unitOption,
        };
        worker.Hidden = true;
        worker.SetAction(r => Guard(errors, () => SynthesisWorkers.Run(r.GetValue(FileOption)!, r.GetValue(suffixOption), r.GetValue(unitOption) ?? Array.Empty<string>())));

        var validate = new Command("validate", "Check the manifest without synthesizing; exit code 0 or 1") { FileOption };
        validate.SetAction(r => Guard(errors, () =>
        {
            var services = ManifestLoader.LoadFile(r.GetValue(FileOption)!);
            output.WriteLine($"{r.GetValue(FileOption)}: valid ({services.Count} service(s), {services.Sum(s => s.Environments.Count)} environment(s)).");
            return Ok;
        }));

        var describe = new Command("describe", "Show each pipeline's stages and actions, environments, approvals and checks") { FileOption, suffixOption };
        describe.SetAction(r => Guard(errors, () => DescribeCommand.Run(r.GetValue(FileOption)!, r.GetValue(suffixOption), output)));

        var diagram = new Command("diagram", "Write a Mermaid flowchart of each pipeline") { FileOption, diagramOut, suffixOption };
        diagram.SetAction(r => Guard(errors, () => DiagramCommand.Run(r.GetValue(FileOption)!, r.GetValue(diagramOut), r.GetValue(suffixOption), output)));

        var pricesOption = new Option<string?>("--prices") { Description = "A price list to use instead of the shipped one (same format as src/Slipway.Cli/Cost/prices.json: your prices or usage assumptions)" };
        var cost = new Command("cost", "Estimate the monthly cost of each environment and pipeline from the synthesized templates (us-east-1 list prices of src/Slipway.Cli/Cost/prices.json, usage assumptions stated), and what non-production environments would cost with cheaper settings")
        {
            FileOption, suffixOption, noCacheOption, pricesOption,
        };
        cost.SetAction(r => Guard(errors, () => Slipway.Cli.Cost.CostCommand.Run(r.GetValue(FileOption)!, Options(r), output, r.GetValue(pricesOption))));

        var againstOption = new Option<string>("--against")
        {
            Description = "The earlier cloud assembly to compare with (default: cdk.out, the last `slipway synth`). The templates deployed in an account need credentials and are not read: use `npx cdk diff` for those",
            DefaultValueFactory = _ => "cdk.out",
        };
        var jsonOption = new Option<bool>("--json") { Description = "Print the comparison as JSON" };
        var plan = new Command("plan", "Say what deploying the manifest as it is now would do to the stacks of an earlier assembly: per stack, resources added, changed and replaced (and which property forces it), changes CloudFormation or ECS would refuse (and what to do), and what the pipeline rolls out instead. Exit codes: 0 everything deploys in place, 4 something is replaced, 5 something would be refused, 2 the earlier assembly is missing or not of this manifest")
        {
            FileOption, againstOption, suffixOption, noCacheOption, jobsOption, jsonOption,
        };
        plan.SetAction(r => Guard(errors, () => PlanCommand.Run(r.GetValue(FileOption)!, r.GetValue(againstOption)!, Options(r), r.GetValue(jsonOption), output, errors)));

        var root = new RootCommand(
            "slipway: production delivery pipelines (CodePipeline, CodeBuild, CodeDeploy blue/green on ECS Fargate) from slipway.yaml.\n" +
            "Exit codes: 0 success, 1 mistakes in the manifest or arguments, 2 usage error, 3 internal error; plan: 4 something replaced, 5 something refused.")
        {
            synth, validate, describe, diagram, cost, plan, worker,
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                errors.WriteLine($"error: {error.Message}");
            }
            errors.WriteLine("Run `slipway --help` for usage.");
            return 2;
        }
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = errors });
    }

    private static string? ManifestFromCdkContext()
    {
        var json = System.Environment.GetEnvironmentVariable("CDK_CONTEXT_JSON");
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("manifest", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.String ? m.GetString() : null;
    }

    private static int Guard(TextWriter errors, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (ManifestException e)
        {
            Report(errors, e.Problems);
            return UserError;
        }
        catch (SlipwayValidationException e)
        {
            Report(errors, e.Problems);
            return UserError;
        }
        catch (IOException e)
        {
            errors.WriteLine($"error: {e.Message}");
            return UserError;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not the user's mistake: every user error is caught above, before CDK sees it.
            errors.WriteLine($"internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            errors.WriteLine("This is a bug in Slipway. Please report it with the manifest and this output (SLIPWAY_DEBUG=1 shows the stack trace).");
            if (System.Environment.GetEnvironmentVariable("SLIPWAY_DEBUG") == "1")
            {
                errors.WriteLine(e.ToString());
            }
            return InternalError;
        }
    }

    private static void Report(TextWriter errors, IReadOnlyList<string> problems)
    {
        errors.WriteLine($"error: {problems.Count} problem(s) in the manifest:");
        foreach (var problem in problems)
        {
            errors.WriteLine("  " + problem);
        }
    }
}
