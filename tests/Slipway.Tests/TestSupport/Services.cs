using Slipway.Build;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Model;

namespace Slipway.Tests.TestSupport;

/// <summary>Service definitions the tests start from.</summary>
public static class Services
{
    public const string Tooling = "111111111111";
    public const string Staging = "222222222222";
    public const string Production = "333333333333";
    public const string ConnectionArn = "arn:aws:codeconnections:us-east-1:111111111111:connection/5f0e4f1e-0000-4000-8000-000000000000";

    /// <summary>A single-account service with staging (integration tests) and prod.</summary>
    public static ServiceDefinition SingleAccount(Action<List<DeploymentTarget>>? environments = null) => new()
    {
        Name = "orders",
        Project = "storefront",
        CostCenter = "cc-1234",
        Source = new GitHubConnectionSource("example-org", "orders-service", ConnectionArn),
        Container = new ContainerSettings
        {
            Port = 8080,
            HealthCheckPath = "/health",
            Environment = new Dictionary<string, string> { ["LOG_LEVEL"] = "info" },
            Secrets = new[] { new ContainerSecret("DB_PASSWORD", SecretStore.SecretsManager, "orders/db", "password") },
        },
        Build = new BuildSettings
        {
            UnitTests = new CheckSettings { Preset = CheckPreset.Python },
            StaticAnalysis = new CheckSettings { Preset = CheckPreset.Bandit },
        },
        Notifications = new NotificationSettings { ApprovalEmails = new[] { "releases@example.com" }, Emails = new[] { "team@example.com" } },
        Environments = Environments(environments, Tooling, Tooling),
    };

    /// <summary>The same service with staging and prod in their own accounts.</summary>
    public static ServiceDefinition CrossAccount() => new()
    {
        Name = "orders",
        CostCenter = "cc-1234",
        PipelineAccount = Tooling,
        PipelineRegion = "us-east-1",
        Source = new GitHubConnectionSource("example-org", "orders-service", ConnectionArn),
        Notifications = new NotificationSettings { ApprovalEmails = new[] { "releases@example.com" } },
        Environments = Environments(null, Staging, Production),
    };

    private static List<DeploymentTarget> Environments(Action<List<DeploymentTarget>>? change, string staging, string production)
    {
        var list = new List<DeploymentTarget>
        {
            new()
            {
                Name = "staging", Account = staging, Region = "us-east-1",
                IntegrationTests = new IntegrationTestSettings { Command = new[] { "python", "integration/run_integration.py" } },
            },
            new() { Name = "prod", Account = production, Region = "us-east-1" },
        };
        change?.Invoke(list);
        return list;
    }
}
