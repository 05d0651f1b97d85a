using System.Text.Json.Nodes;
using Slipway.Build;
using Slipway.Tests.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Slipway.Tests.Build;

[Collection(BuildScenarioCollection.Name)]
public sealed class DeploymentFilesTests
{
    private readonly BuildScenario _f;

    public DeploymentFilesTests(BuildScenario fixture) => _f = fixture;

    // The files exactly as the build writes them: decoded from the synthesized buildspec's
    // `echo '<base64>' | base64 -d > FILE` commands.
    private IReadOnlyDictionary<string, string> Files(int service) => Json.WrittenFiles(BuildScenario.Commands(_f.Project(service, "ImageBuild").Spec));

    [Fact]
    public void Task_definitions_hold_the_literal_image_placeholder_codepipeline_replaces()
    {
        foreach (var service in new[] { 0, 1, 2 })
        {
            foreach (var (name, text) in Files(service).Where(f => f.Key.StartsWith("taskdef-", StringComparison.Ordinal)))
            {
                Assert.Contains("\"image\": \"<IMAGE1_NAME>\"", text);
                Assert.DoesNotContain("\\u00", text);
                Assert.Equal("<IMAGE1_NAME>", JsonNode.Parse(text)!["containerDefinitions"]![0]!["image"]!.GetValue<string>());
            }
        }
    }

    [Fact]
    public void Appspecs_are_yaml_with_version_0_0_and_the_literal_task_definition_placeholder()
    {
        var files = Files(0);
        Assert.Equal(new[] { "appspec-prod.yaml", "appspec-staging.yaml" }, files.Keys.Where(k => k.StartsWith("appspec-", StringComparison.Ordinal)).Order());
        foreach (var env in new[] { "staging", "prod" })
        {
            // The shape of the CodeDeploy AppSpec reference for ECS deployments.
            Assert.Equal(
                "version: 0.0\n" +
                "Resources:\n" +
                "  - TargetService:\n" +
                "      Type: AWS::ECS::Service\n" +
                "      Properties:\n" +
                "        TaskDefinition: <TASK_DEFINITION>\n" +
                "        LoadBalancerInfo:\n" +
                "          ContainerName: \"app\"\n" +
                "          ContainerPort: 8080\n" +
                "        PlatformVersion: \"LATEST\"\n" +
                // The environment's traffic gate tests the green tasks before traffic shifts.
                "Hooks:\n" +
                $"  - AfterAllowTestTraffic: \"arn:aws:lambda:us-east-1:111111111111:function:secrets-{env}-traffic-gate-dev\"\n",
                files[DeploymentFiles.AppSpecFile(env)]);
        }
    }

    [Fact]
    public void Appspec_parses_as_yaml_to_what_codedeploy_reads()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Files(1)[DeploymentFiles.AppSpecFile("dev")]));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var version = (YamlScalarNode)root["version"];
        Assert.Equal("0.0", version.Value);
        Assert.Equal(YamlDotNet.Core.ScalarStyle.Plain, version.Style);
        var properties = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)root["Resources"])[0])["TargetService"])["Properties"];
        Assert.Equal("<TASK_DEFINITION>", ((YamlScalarNode)properties["TaskDefinition"]).Value);
        Assert.Equal("app", ((YamlScalarNode)((YamlMappingNode)properties["LoadBalancerInfo"])["ContainerName"]).Value);
        Assert.Equal("8080", ((YamlScalarNode)((YamlMappingNode)properties["LoadBalancerInfo"])["ContainerPort"]).Value);
        var hook = (YamlMappingNode)((YamlSequenceNode)root["Hooks"])[0];
        Assert.Equal("arn:aws:lambda:us-east-1:111111111111:function:multi-dev-traffic-gate-dev", ((YamlScalarNode)hook["AfterAllowTestTraffic"]).Value);
    }
}
