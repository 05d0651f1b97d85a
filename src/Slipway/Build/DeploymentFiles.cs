using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Conventions;
using Slipway.Access;
using Slipway.Runtime;
using Slipway.Model;

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
            ["executionRoleArn"] = SharedNames.RoleArn(Partitions.OfRegion(target.Region), target.Account, SharedNames.ExecutionRole(names)),
            ["taskRoleArn"] = SharedNames.RoleArn(Partitions.OfRegion(target.Region), target.Account, SharedNames.TaskRole(names)),
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
                // A hard limit on every container definition (landing-zone controls, AWS Config
                // ecs-task-definition-memory-hard-limit): the task's memory, the only container's.
                ["memory"] = target.Memory ?? container.Memory,
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
                        ["awslogs-stream-prefix"] = DeploymentContract.LogStreamPrefix,
                    },
                },
            }),
            ["tags"] = new JsonArray(new JsonObject { ["key"] = SlipwayTags.ManagedByKey, ["value"] = "slipway" }),
        };
        return definition.ToJsonString(FileJson);
    }

    // CodeDeployToECS replaces the literal text <IMAGE1_NAME> and <TASK_DEFINITION>; the default
    // encoder writes < and > as \u003C and \u003E, which the action never finds. The relaxed
    // encoder escapes only what JSON requires (quotes, backslashes, control characters).
    private static readonly JsonSerializerOptions FileJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The task definition placeholder in appspec.yaml, replaced by the ARN of the registered task definition.</summary>
    public const string TaskDefinitionPlaceholder = "<TASK_DEFINITION>";

    /// <summary>
    /// The appspec (YAML) for the service's container, in the shape of the CodeDeploy reference for
    /// ECS deployments (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-ecs,
    /// https://docs.aws.amazon.com/codedeploy/latest/userguide/tutorial-ecs-create-appspec-file.html):
    /// <c>version: 0.0</c>, one TargetService of Type AWS::ECS::Service whose Properties give the
    /// TaskDefinition, LoadBalancerInfo (ContainerName, ContainerPort) and PlatformVersion, and the
    /// Hooks section naming the traffic gate's function for AfterAllowTestTraffic
    /// (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#reference-appspec-file-structure-hooks-section-structure-ecs).
    /// </summary>
    /// <remarks>
    /// Written as text: <c>version</c> must read 0.0 and the placeholder must stay a plain scalar
    /// the action can find; the container name and the function ARN are JSON strings, which are
    /// valid YAML double-quoted scalars whatever they contain.
    /// </remarks>
    /// <param name="container">The service's container.</param>
    /// <param name="trafficGateArn">The ARN of the environment's traffic gate (<see cref="SharedNames.TrafficGateFunctionArn"/>).</param>
    public static string AppSpec(ContainerSettings container, string trafficGateArn) =>
        "version: 0.0\n" +
        "Resources:\n" +
        "  - TargetService:\n" +
        "      Type: AWS::ECS::Service\n" +
        "      Properties:\n" +
        $"        TaskDefinition: {TaskDefinitionPlaceholder}\n" +
        "        LoadBalancerInfo:\n" +
        $"          ContainerName: {JsonSerializer.Serialize(container.ContainerName, FileJson)}\n" +
        $"          ContainerPort: {container.Port.ToString(CultureInfo.InvariantCulture)}\n" +
        "        PlatformVersion: \"LATEST\"\n" +
        "Hooks:\n" +
        $"  - {DeploymentContract.TestTrafficHook}: {JsonSerializer.Serialize(trafficGateArn, FileJson)}\n";

    /// <summary>The ECS <c>valueFrom</c> of a secret (full or partial ARN, so JSON keys work).</summary>
    public static string SecretValueFrom(ContainerSecret secret, DeploymentTarget target) => secret.Store switch
    {
        SecretStore.SecretsManager => (secret.Reference.StartsWith("arn:", StringComparison.Ordinal)
                ? secret.Reference
                : $"arn:{Partitions.OfRegion(target.Region)}:secretsmanager:{target.Region}:{target.Account}:secret:{secret.Reference}")
            + (secret.JsonKey is null ? "" : $":{secret.JsonKey}::"),
        _ => $"arn:{Partitions.OfRegion(target.Region)}:ssm:{target.Region}:{target.Account}:parameter/{secret.Reference.TrimStart('/')}",
    };
}
