using Slipway.Cli.Manifest;
using Slipway.Model;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Model;

public sealed class DeploymentTargetTests
{
    [Fact]
    public void Production_needs_approval_by_default_and_an_explicit_false_wins()
    {
        Assert.True(new DeploymentTarget { Name = "prod", Account = Services.Tooling, Region = "us-east-1" }.NeedsApproval);
        Assert.True(new DeploymentTarget { Name = "live", Account = Services.Tooling, Region = "us-east-1", Production = true }.NeedsApproval);
        Assert.False(new DeploymentTarget { Name = "prod", Account = Services.Tooling, Region = "us-east-1", RequiresApproval = false }.NeedsApproval);
        Assert.True(new DeploymentTarget { Name = "staging", Account = Services.Tooling, Region = "us-east-1", RequiresApproval = true }.NeedsApproval);
        Assert.False(new DeploymentTarget { Name = "staging", Account = Services.Tooling, Region = "us-east-1" }.NeedsApproval);
    }

    [Fact]
    public void Production_without_approval_deploys_without_a_manual_stage()
    {
        var scenario = new Scenario(Services.SingleAccount(envs => envs[1] = new DeploymentTarget
        {
            Name = "prod", Account = Services.Tooling, Region = "us-east-1", RequiresApproval = false,
        }));

        var stages = scenario.Single(scenario.Services[0].Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!.AsArray();
        Assert.Equal(new[] { "Source", "Build", "Checks", "Deploy-staging", "Deploy-prod" }, stages.Select(s => s!["Name"]!.GetValue<string>()));
        Assert.DoesNotContain(stages.SelectMany(s => s!["Actions"]!.AsArray()), a => a!["ActionTypeId"]!["Provider"]!.GetValue<string>() == "Manual");
    }

    [Fact]
    public void Validate_warns_with_the_field_when_production_turns_approval_off()
    {
        var manifest = ManifestLoader.Read("slipway.yaml", Slipway.Cli.Tests.Manifest.ManifestLoaderTests.Valid.Replace(
            "      - name: prod\n        account: \"111111111111\"\n        region: us-east-1",
            "      - name: prod\n        account: \"111111111111\"\n        region: us-east-1\n        requiresApproval: false", StringComparison.Ordinal));

        var warning = Assert.Single(manifest.Warnings(), w => w.Contains("requiresApproval", StringComparison.Ordinal));
        Assert.StartsWith("slipway.yaml:24:9: services[0].environments[1].requiresApproval: false, so production environment prod is deployed without a person's approval", warning);
        Assert.False(manifest.Services[0].Environments[1].NeedsApproval);
    }
}
