using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Build;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Tests.Build;

/// <summary>
/// One app with three services that together use every build feature: build secrets from both
/// stores (names, an ARN, a JSON key, a customer-managed key), registry credentials from both
/// stores, an arm64-only image, a multi-architecture image, a plain amd64 image, integration tests
/// at the longest allowed timeout and an image scan that ignores unfixed vulnerabilities.
/// </summary>
public sealed class BuildScenario
{
    public const string KeyArn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    public const string SecretArn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:ci/api-AbCdEf";

    public static ServiceDefinition Secrets() => new()
    {
        Name = "secrets",
        Source = new GitHubConnectionSource("example-org", "secrets-service", Services.ConnectionArn),
        Container = new ContainerSettings { Architecture = Architecture.ARM64 },
        Build = new BuildSettings
        {
            CompileCommand = new[] { "make" },
            UnitTests = new CheckSettings { Preset = CheckPreset.Python },
            StaticAnalysis = new CheckSettings { Preset = CheckPreset.Bandit },
            ImageScan = new ImageScanSettings { IgnoreUnfixed = true },
            RegistryCredentials = new RegistryCredentials(SecretStore.SecretsManager, "ci/dockerhub"),
            Secrets = new[]
            {
                new BuildSecret("NPM_TOKEN", SecretStore.ParameterStore, "/ci/npm-token"),
                new BuildSecret("SIGNING_KEY", SecretStore.ParameterStore, "/ci/signing", KeyArn),
                new BuildSecret("SONAR_TOKEN", SecretStore.SecretsManager, "ci/sonar:token"),
                new BuildSecret("API_KEY", SecretStore.SecretsManager, SecretArn + ":key"),
            },
        },
        Notifications = new NotificationSettings { ApprovalEmails = new[] { "releases@example.com" } },
        Environments = new[]
        {
            new DeploymentTarget
            {
                Name = "staging", Account = Services.Tooling, Region = "us-east-1",
                IntegrationTests = new IntegrationTestSettings { Command = new[] { "pytest" }, TimeoutMinutes = IntegrationTestSettings.MaxTimeoutMinutes, When = IntegrationTestTiming.AfterTraffic },
            },
            new DeploymentTarget { Name = "prod", Account = Services.Tooling, Region = "us-east-1" },
        },
    };

    public static ServiceDefinition Multi() => new()
    {
        Name = "multi",
        Source = new GitHubConnectionSource("example-org", "multi-service", Services.ConnectionArn),
        Build = new BuildSettings
        {
            MultiArchitecture = true,
            RegistryCredentials = new RegistryCredentials(SecretStore.ParameterStore, "/ci/dockerhub/"),
        },
        Environments = new[]
        {
            new DeploymentTarget
            {
                Name = "dev", Account = Services.Tooling, Region = "us-east-1",
                IntegrationTests = new IntegrationTestSettings { Command = new[] { "pytest" }, TimeoutMinutes = 20, When = IntegrationTestTiming.AfterTraffic },
            },
        },
    };

    public static ServiceDefinition Plain() => new()
    {
        Name = "plain",
        Source = new GitHubConnectionSource("example-org", "plain-service", Services.ConnectionArn),
        Environments = new[] { new DeploymentTarget { Name = "dev", Account = Services.Tooling, Region = "us-east-1" } },
    };

    public Scenario Scenario { get; } = new(Secrets(), Multi(), Plain());

    public ServicePipelineStack Pipeline(int service) => Scenario.Services[service].Pipeline;

    /// <summary>Every CodeBuild project of a service: logical id, properties, parsed buildspec.</summary>
    public IEnumerable<(string LogicalId, JsonObject Properties, JsonElement Spec)> Projects(int service) =>
        Scenario.Resources(Pipeline(service), "AWS::CodeBuild::Project").Select(p => (p.LogicalId, p.Resource["Properties"]!.AsObject(),
            JsonDocument.Parse(Json.Render(p.Resource["Properties"]!["Source"]!["BuildSpec"])).RootElement));

    public (string LogicalId, JsonObject Properties, JsonElement Spec) Project(int service, string id) =>
        Projects(service).Single(p => p.LogicalId.StartsWith("PipelineBuilds" + id, StringComparison.Ordinal) && !p.LogicalId.Contains("Role"));

    public static IEnumerable<string> Commands(JsonElement spec) =>
        spec.GetProperty("phases").EnumerateObject().SelectMany(p => p.Value.GetProperty("commands").EnumerateArray().Select(c => c.GetString()!));

    /// <summary>The statements of the policies attached to the role a project runs with.</summary>
    public IReadOnlyList<JsonObject> RoleStatements(int service, JsonObject project)
    {
        var template = Scenario.Json(Pipeline(service));
        var role = project["ServiceRole"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        return template["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::IAM::Policy"
                && r.Value["Properties"]!["Roles"]!.AsArray().Any(x => x!["Ref"]?.GetValue<string>() == role))
            .SelectMany(r => r.Value!["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()))
            .ToList();
    }
}

[CollectionDefinition(Name)]
public sealed class BuildScenarioCollection : ICollectionFixture<BuildScenario>
{
    public const string Name = "Build scenario";
}
