using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Tests.Stacks;

public sealed class ServiceRuntimeStackTests
{
    [Fact]
    public void Changing_container_settings_does_not_change_what_cloudformation_does_to_the_service()
    {
        // Given the same service twice, once with different image-level settings
        var before = new Scenario(Services.SingleAccount());
        var changed = Services.SingleAccount();
        changed = new ServiceDefinition
        {
            Name = changed.Name, Project = changed.Project, CostCenter = changed.CostCenter, Source = changed.Source,
            Notifications = changed.Notifications, Environments = changed.Environments, Build = changed.Build,
            Container = new ContainerSettings
            {
                Port = 8080, HealthCheckPath = "/health", Cpu = 1024, Memory = 4096, Architecture = Architecture.ARM64,
                Environment = new Dictionary<string, string> { ["LOG_LEVEL"] = "debug", ["FEATURE_X"] = "on" },
                Secrets = new[] { new ContainerSecret("API_KEY_REF", SecretStore.ParameterStore, "/orders/api-key") },
            },
        };
        var after = new Scenario(changed);

        // Then the service and its task definition in every runtime template are identical:
        // a CODE_DEPLOY-controlled service rejects CloudFormation task definition updates.
        foreach (var (a, b) in before.Services[0].Runtimes.Zip(after.Services[0].Runtimes))
        {
            foreach (var type in new[] { "AWS::ECS::Service", "AWS::ECS::TaskDefinition" })
            {
                Assert.Equal(before.Single(a, type).ToJsonString(), after.Single(b, type).ToJsonString());
            }
        }

        // while the pipeline's generated task definitions do carry the new settings
        var buildspec = Json.Render(after.Resources(after.Services[0].Pipeline, "AWS::CodeBuild::Project")
            .Single(p => p.LogicalId.Contains("ImageBuild")).Resource["Properties"]!["Source"]!["BuildSpec"]);
        var files = Json.WrittenFiles(System.Text.Json.JsonDocument.Parse(buildspec).RootElement.GetProperty("phases").GetProperty("build")
            .GetProperty("commands").EnumerateArray().Select(c => c.GetString()!));
        Assert.Contains("\"cpu\": \"1024\"", files["taskdef-prod.json"]);
        Assert.Contains("\"cpuArchitecture\": \"ARM64\"", files["taskdef-prod.json"]);
    }

    [Fact]
    public void Every_resource_is_destroyable()
    {
        var scenario = new Scenario(Services.CrossAccount());
        foreach (var (stack, template) in scenario.AllJson)
        {
            foreach (var (id, resource) in template["Resources"]!.AsObject())
            {
                var policy = resource!["DeletionPolicy"]?.GetValue<string>();
                Assert.True(policy is null or "Delete", $"{stack}/{id} has DeletionPolicy {policy}");
                Assert.NotEqual("Retain", resource["UpdateReplacePolicy"]?.GetValue<string>());
            }
            Assert.DoesNotContain("\"DeletionProtection\":true", template.ToJsonString());
            Assert.DoesNotContain("deletion_protection.enabled\",\"Value\":\"true", template.ToJsonString());
        }
    }
}
