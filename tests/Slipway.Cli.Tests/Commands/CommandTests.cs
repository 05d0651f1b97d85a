using Slipway.Cli.Commands;
using Slipway.Cli.Tests.Manifest;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Commands;

public sealed class CommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = Slipway.Cli.Commands.Cli.Run(args, output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    [Fact]
    public void Validate_accepts_the_default_manifest()
    {
        var (code, output, _) = Run("validate", "-f", Repository.PathOf("slipway.yaml"));
        Assert.Equal(0, code);
        Assert.Contains("valid (1 service(s), 2 environment(s))", output);
    }

    [Fact]
    public void Validate_warns_about_plain_http_in_a_public_production_environment_naming_the_field_and_the_fix()
    {
        var (code, output, errors) = Run("validate", "-f", Repository.PathOf("examples/github-cross-account.yaml"));
        Assert.Equal(0, code);
        Assert.Contains("valid (1 service(s), 2 environment(s))", output);
        var warning = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("warning: ", warning);
        Assert.Contains("github-cross-account.yaml:", warning);
        Assert.Contains(": services[0].environments[1].network.certificateArn: not set, so production environment prod serves plain HTTP to the internet", warning);
        Assert.Contains("Set network.certificateArn", warning);
    }

    [Fact]
    public void Validate_reports_mistakes_with_exit_code_1_and_no_stack_trace()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, ManifestLoaderTests.Valid.Replace("region: us-east-1", "region: mars-1"));
        var (code, _, errors) = Run("validate", "-f", file);
        Assert.Equal(1, code);
        Assert.Contains("\"mars-1\" is not an AWS region", errors);
        Assert.DoesNotContain("   at ", errors);
    }

    [Fact]
    public void Missing_manifest_says_how_to_fix_it()
    {
        var (code, _, errors) = Run("validate", "-f", "does-not-exist.yaml");
        Assert.Equal(1, code);
        Assert.Contains("no such file. Create it (copy one from examples/)", errors);
    }

    [Fact]
    public void Unknown_command_is_a_usage_error()
    {
        Assert.Equal(2, Run("deploy-everything").Code);
    }

    [Fact]
    public void Describe_lists_stages_in_order_with_parallel_checks_and_environments()
    {
        var (code, output, _) = Run("describe", "-f", Repository.PathOf("slipway.yaml"));
        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.Contains("3. Checks: UnitTests (CodeBuild) + StaticAnalysis (CodeBuild) + ImageScan (CodeBuild) [parallel]"));
        Assert.Contains(lines, l => l.EndsWith("4. Deploy-staging: TagImage (CodeBuild) + AlarmRollback (CodeBuild) [parallel] -> Deploy (CodeDeployToECS) -> RestoreAlarmRollback (CodeBuild)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("before traffic shifts: integration tests `python integration/run_integration.py` (ECS task, timeout 15 min) against the new tasks through the test listener (port 9000), in CodeDeploy's AfterAllowTestTraffic hook; a failure or timeout rolls back before production traffic shifts"));
        Assert.Contains(lines, l => l.Contains("before traffic shifts: smoke test (GET /health until 200, 5 tries)"));
        Assert.Contains(lines, l => l.Contains("5. Approve-prod: Approve (Manual)"));
        Assert.Contains(lines, l => l.Contains("environment prod: 111111111111/us-east-1; manual approval first; traffic canary 10% for 5 min"));
        Assert.Contains(lines, l => l.Contains("image scan: Trivy 0.56.2 fails the build on CRITICAL"));
    }

    [Fact]
    public void Diagram_writes_a_mermaid_flowchart_of_the_real_stages()
    {
        var file = Path.Combine(Path.GetTempPath(), $"diagram-{Guid.NewGuid():N}.md");
        var (code, _, _) = Run("diagram", "-f", Repository.PathOf("slipway.yaml"), "-o", file);
        Assert.Equal(0, code);
        var text = File.ReadAllText(file);
        Assert.StartsWith("```mermaid\nflowchart LR", text.Replace("\r", ""));
        Assert.Contains("subgraph p0s4[\"Approve-prod\"]", text);
        Assert.Contains("p0s3 --> p0s4", text);
        Assert.Contains("{{\"Approve\"}}", text);
        // Where the tests run: in each deployment, before the shift.
        Assert.Contains("AfterAllowTestTraffic hook<br/><small>integration tests via the test listener, before traffic shifts</small>", text);
        Assert.Contains("AfterAllowTestTraffic hook<br/><small>smoke test GET /health via the test listener, before traffic shifts</small>", text);
        Assert.Matches(@"p0s3g1a0 -\.-> p0s3g1a0h", text);
    }

    [Fact]
    public void Synth_prints_each_stack_with_its_account_region_and_resource_count()
    {
        var outdir = Path.Combine(Path.GetTempPath(), $"synth-{Guid.NewGuid():N}");
        var (code, output, errors) = Run("synth", "-f", Repository.PathOf("slipway.yaml"), "-o", outdir, "--no-cache");
        Assert.Equal(0, code);
        Assert.Contains("(cache off)", output);
        Assert.Matches(@"orders-pipeline-dev\s+111111111111/us-east-1\s+\d+ resources", output);
        Assert.Contains("are the examples' placeholders", errors);
        // The default manifest's production environment faces the internet over plain HTTP.
        Assert.Matches(@"warning: .*slipway\.yaml:\d+:\d+: services\[0\]\.environments\[1\]\.network\.certificateArn: not set, so production environment prod serves plain HTTP to the internet .* Set network\.certificateArn", errors);
        Assert.True(File.Exists(Path.Combine(outdir, "manifest.json")));
    }

    [Fact]
    public void Synth_refuses_a_secret_pasted_as_a_secret_name_before_anything_is_written()
    {
        var file = Path.Combine(Path.GetTempPath(), $"secret-{Guid.NewGuid():N}.yaml");
        var outdir = Path.Combine(Path.GetTempPath(), $"synth-{Guid.NewGuid():N}");
        File.WriteAllText(file, ManifestLoaderTests.Valid.Replace("healthCheckPath: /health",
            "healthCheckPath: /health\n      secrets:\n        - { name: DB_PASSWORD, secretsManager: \"Sup3r S3cret!\" }"));

        var (code, output, errors) = Run("synth", "-f", file, "-o", outdir, "--no-cache");

        Assert.Equal(1, code);
        Assert.Contains("services[0].container.secrets[0].secretsManager: (value hidden: it looks like a secret, not a name)", errors);
        Assert.DoesNotContain("S3cret", output + errors);
        Assert.False(Directory.Exists(outdir) && Directory.EnumerateFiles(outdir, "*", SearchOption.AllDirectories).Any(f => File.ReadAllText(f).Contains("S3cret")));
    }
}
