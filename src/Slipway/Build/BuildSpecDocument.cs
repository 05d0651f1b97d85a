namespace Slipway.Build;

/// <summary>One phase of a buildspec.</summary>
/// <param name="Commands">Commands run in order; the phase fails at the first failing command.</param>
/// <param name="Finally">Commands that always run after <paramref name="Commands"/>.</param>
public sealed record BuildPhase(IReadOnlyList<string> Commands, IReadOnlyList<string>? Finally = null);

/// <summary>A CodeBuild report group entry.</summary>
/// <param name="Files">File patterns of the report.</param>
/// <param name="Format">JUNITXML, VISUALSTUDIOTRX, CUCUMBERJSON, TESTNGXML, NUNITXML, NUNIT3XML.</param>
/// <param name="BaseDirectory">The directory the patterns are relative to.</param>
public sealed record BuildReport(IReadOnlyList<string> Files, string Format, string? BaseDirectory = null);

/// <summary>
/// A CodeBuild buildspec (version 0.2) built from typed parts, so that generated buildspecs are
/// always well formed: https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html
/// </summary>
public sealed class BuildSpecDocument
{
    /// <summary>Plain environment variables.</summary>
    public Dictionary<string, string> Variables { get; } = new();

    /// <summary>Variables read from Parameter Store (name → parameter name).</summary>
    public Dictionary<string, string> ParameterStore { get; } = new();

    /// <summary>Variables read from Secrets Manager (name → secret-id[:json-key]).</summary>
    public Dictionary<string, string> SecretsManager { get; } = new();

    /// <summary>Customer-managed KMS keys of the parameters read (not rendered: they become the project's grants).</summary>
    public HashSet<string> ParameterStoreKeys { get; } = new();

    /// <summary>Customer-managed KMS keys of the secrets read (not rendered: they become the project's grants).</summary>
    public HashSet<string> SecretsManagerKeys { get; } = new();

    /// <summary>Variables exported to the pipeline (CodePipeline output variables).</summary>
    public List<string> ExportedVariables { get; } = new();

    /// <summary>Runtime versions installed before the install phase commands.</summary>
    public Dictionary<string, string> RuntimeVersions { get; } = new();

    /// <summary>The install phase.</summary>
    public BuildPhase? Install { get; set; }

    /// <summary>The pre_build phase.</summary>
    public BuildPhase? PreBuild { get; set; }

    /// <summary>The build phase.</summary>
    public BuildPhase? Build { get; set; }

    /// <summary>Report groups keyed by report name.</summary>
    public Dictionary<string, BuildReport> Reports { get; } = new();

    /// <summary>Files of the primary output artifact.</summary>
    public List<string> ArtifactFiles { get; } = new();

    /// <summary>Paths cached between builds (S3 cache).</summary>
    public List<string> CachePaths { get; } = new();

    /// <summary>The buildspec as the object <c>BuildSpec.FromObject</c> takes.</summary>
    public Dictionary<string, object> ToObject()
    {
        var spec = new Dictionary<string, object> { ["version"] = "0.2" };
        // bash, so that pipefail and arrays work; CodeBuild's default is sh.
        var env = new Dictionary<string, object> { ["shell"] = "bash" };
        AddIfAny(env, "variables", Variables);
        AddIfAny(env, "parameter-store", ParameterStore);
        AddIfAny(env, "secrets-manager", SecretsManager);
        if (ExportedVariables.Count > 0)
        {
            env["exported-variables"] = ExportedVariables.ToArray();
        }
        spec["env"] = env;

        var phases = new Dictionary<string, object>();
        if (Install is not null || RuntimeVersions.Count > 0)
        {
            var install = Phase(Install ?? new BuildPhase(Array.Empty<string>()));
            if (RuntimeVersions.Count > 0)
            {
                install["runtime-versions"] = RuntimeVersions.ToDictionary(kv => kv.Key, kv => (object)kv.Value);
            }
            phases["install"] = install;
        }
        AddPhase(phases, "pre_build", PreBuild);
        AddPhase(phases, "build", Build);
        spec["phases"] = phases;

        if (Reports.Count > 0)
        {
            spec["reports"] = Reports.ToDictionary(r => r.Key, r =>
            {
                var report = new Dictionary<string, object> { ["files"] = r.Value.Files.ToArray(), ["file-format"] = r.Value.Format };
                if (r.Value.BaseDirectory is not null)
                {
                    report["base-directory"] = r.Value.BaseDirectory;
                }
                return (object)report;
            });
        }
        if (ArtifactFiles.Count > 0)
        {
            spec["artifacts"] = new Dictionary<string, object> { ["files"] = ArtifactFiles.ToArray() };
        }
        if (CachePaths.Count > 0)
        {
            spec["cache"] = new Dictionary<string, object> { ["paths"] = CachePaths.ToArray() };
        }
        return spec;
    }

    private static void AddIfAny(Dictionary<string, object> target, string key, Dictionary<string, string> values)
    {
        if (values.Count > 0)
        {
            target[key] = values.ToDictionary(kv => kv.Key, kv => (object)kv.Value);
        }
    }

    private static void AddPhase(Dictionary<string, object> phases, string name, BuildPhase? phase)
    {
        if (phase is not null)
        {
            phases[name] = Phase(phase);
        }
    }

    private static Dictionary<string, object> Phase(BuildPhase phase)
    {
        var result = new Dictionary<string, object> { ["commands"] = phase.Commands.ToArray() };
        if (phase.Finally is { Count: > 0 })
        {
            result["finally"] = phase.Finally.ToArray();
        }
        return result;
    }
}
