using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Conventions;
using Slipway.CrossAccount;
using Slipway.Runtime;

namespace Slipway.Build;

/// <summary>
/// The taskdef.json and appspec.yaml of one environment, generated from the same settings as the
/// runtime so nobody writes them by hand. The CodeDeployToECS action replaces
/// <c>&lt;IMAGE1_NAME&gt;</c> with the built image and <c>&lt;TASK_DEFINITION&gt;</c> with the
/// task definition it registers.
/// </summary>
public static class DeploymentFiles
{
    /// <summary>The image placeholder in taskdef.json.</summary>
    public const string ImagePlaceholder = "IMAGE1_NAME";

    /// <summary>The awslogs stream prefix of the service's container.</summary>
    public const string LogStreamPrefix = "app";

    /// <summary>The file name of an environment's task definition.</summary>
    public static string TaskDefinitionFile(string environment) => $"taskdef-{environment}.json";

    /// <summary>The file name of an environment's appspec.</summary>
    public static string AppSpecFile(string environment) => $"appspec-{environment}.yaml";

    /// <summary>The task definition (ECS RegisterTaskDefinition JSON) for <paramref name="target"/>.</summary>
    public static string TaskDefinition(ResourceNames names, ContainerSettings container, DeploymentTarget target)
    {
        var environment = new JsonArray();
        foreach (var (key, value) in container.Environment.Concat(target.Environment)
                     .GroupBy(kv => kv.Key).Select(g => g.Last()).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            environment.Add(new JsonObject { ["name"] = key, ["value"] = value });
        }
        var secrets = new JsonArray();
        foreach (var secret in container.Secrets)
        {
            secrets.Add(new JsonObject { ["name"] = secret.Name, ["valueFrom"] = SecretValueFrom(secret, target) });
        }
        var definition = new JsonObject
        {
            ["family"] = SharedNames.TaskFamily(names),
            ["executionRoleArn"] = SharedNames.RoleArn(target.Account, SharedNames.ExecutionRole(names)),
            ["taskRoleArn"] = SharedNames.RoleArn(target.Account, SharedNames.TaskRole(names)),
            ["networkMode"] = "awsvpc",
            ["requiresCompatibilities"] = new JsonArray("FARGATE"),
            ["cpu"] = (target.Cpu ?? container.Cpu).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memory"] = (target.Memory ?? container.Memory).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["runtimePlatform"] = new JsonObject
            {
                ["cpuArchitecture"] = container.Architecture.ToString(),
                ["operatingSystemFamily"] = "LINUX",
            },
            ["containerDefinitions"] = new JsonArray(new JsonObject
            {
                ["name"] = container.ContainerName,
                ["image"] = $"<{ImagePlaceholder}>",
                ["essential"] = true,
                ["portMappings"] = new JsonArray(new JsonObject { ["containerPort"] = container.Port, ["protocol"] = "tcp" }),
                ["environment"] = environment,
                ["secrets"] = secrets,
                ["logConfiguration"] = new JsonObject
                {
                    ["logDriver"] = "awslogs",
                    ["options"] = new JsonObject
                    {
                        ["awslogs-group"] = SharedNames.LogGroup(names),
                        ["awslogs-region"] = target.Region,
                        ["awslogs-stream-prefix"] = LogStreamPrefix,
                    },
                },
            }),
            ["tags"] = new JsonArray(new JsonObject { ["key"] = SlipwayTags.ManagedByKey, ["value"] = "slipway" }),
        };
        return definition.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The appspec (JSON, which CodeDeploy reads as YAML) for the service's container.</summary>
    public static string AppSpec(ContainerSettings container) =>
        new JsonObject
        {
            ["version"] = 0.0,
            ["Resources"] = new JsonArray(new JsonObject
            {
                ["TargetService"] = new JsonObject
                {
                    ["Type"] = "AWS::ECS::Service",
                    ["Properties"] = new JsonObject
                    {
                        ["TaskDefinition"] = "<TASK_DEFINITION>",
                        ["LoadBalancerInfo"] = new JsonObject { ["ContainerName"] = container.ContainerName, ["ContainerPort"] = container.Port },
                        ["PlatformVersion"] = "LATEST",
                    },
                },
            }),
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The ECS <c>valueFrom</c> of a secret (full or partial ARN, so JSON keys work).</summary>
    public static string SecretValueFrom(ContainerSecret secret, DeploymentTarget target) => secret.Store switch
    {
        SecretStore.SecretsManager => (secret.Reference.StartsWith("arn:", StringComparison.Ordinal)
                ? secret.Reference
                : $"arn:aws:secretsmanager:{target.Region}:{target.Account}:secret:{secret.Reference}")
            + (secret.JsonKey is null ? "" : $":{secret.JsonKey}::"),
        _ => $"arn:aws:ssm:{target.Region}:{target.Account}:parameter/{secret.Reference.TrimStart('/')}",
    };
}
