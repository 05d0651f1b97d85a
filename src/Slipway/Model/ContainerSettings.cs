using Slipway.Conventions;

namespace Slipway.Model;

/// <summary>The CPU architecture the service's tasks run on.</summary>
public enum Architecture
{
    /// <summary>Intel/AMD 64-bit.</summary>
    [ManifestName("x86_64")]
    X86_64,

    /// <summary>AWS Graviton (cheaper per vCPU; the image must be built for linux/arm64).</summary>
    [ManifestName("arm64")]
    ARM64,
}

/// <summary>Where a secret's value is stored.</summary>
public enum SecretStore
{
    /// <summary>AWS Secrets Manager: <see cref="ContainerSecret.Reference"/> is the secret name or ARN.</summary>
    SecretsManager,

    /// <summary>SSM Parameter Store (SecureString): <see cref="ContainerSecret.Reference"/> is the parameter name.</summary>
    ParameterStore,
}

/// <summary>A secret injected into the container as an environment variable at task start.</summary>
/// <param name="Name">The environment variable name.</param>
/// <param name="Store">Secrets Manager or Parameter Store.</param>
/// <param name="Reference">The secret name or ARN, or the parameter name (starting with "/").</param>
/// <param name="JsonKey">For Secrets Manager JSON secrets, the key to read. Default: the whole value.</param>
public sealed record ContainerSecret(string Name, SecretStore Store, [ManifestKeyed(nameof(Store), "secretsManager", "parameter")] string Reference, string? JsonKey = null);

/// <summary>
/// What runs in the service's tasks. These settings reach the service only through the pipeline
/// (the generated taskdef.json), never through a stack update: a service under the CODE_DEPLOY
/// deployment controller rejects CloudFormation updates of its task definition (aws-cdk #23564).
/// </summary>
public sealed class ContainerSettings
{
    /// <summary>The port the container listens on.</summary>
    /// <remarks>Default: <see cref="DefaultPort"/> (8080).</remarks>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The path the load balancer checks; it must answer 200.</summary>
    /// <remarks>Default: <see cref="DefaultHealthCheckPath"/> ("/health").</remarks>
    public string HealthCheckPath { get; init; } = DefaultHealthCheckPath;

    /// <summary>Task CPU units (256, 512, 1024, 2048, 4096, 8192, 16384).</summary>
    /// <remarks>Default: <see cref="DefaultCpu"/> (256).</remarks>
    public int Cpu { get; init; } = DefaultCpu;

    /// <summary>Task memory in MiB; must be valid for <see cref="Cpu"/> on Fargate.</summary>
    /// <remarks>Default: <see cref="DefaultMemory"/> (512).</remarks>
    public int Memory { get; init; } = DefaultMemory;

    /// <summary>CPU architecture of the tasks.</summary>
    /// <remarks>Default: <see cref="DefaultArchitecture"/> (X86_64).</remarks>
    public Architecture Architecture { get; init; } = DefaultArchitecture;

    /// <summary>Plain environment variables (no secrets: use <see cref="Secrets"/>).</summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Secrets from Secrets Manager or Parameter Store, injected by ECS at task start.</summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyList<ContainerSecret> Secrets { get; init; } = Array.Empty<ContainerSecret>();

    /// <summary>The container name inside the task definition.</summary>
    /// <remarks>Default: <see cref="DefaultContainerName"/> ("app").</remarks>
    public string ContainerName { get; init; } = DefaultContainerName;

    /// <summary>The container port used by default.</summary>
    public const int DefaultPort = 8080;

    /// <summary>The health check path used by default.</summary>
    public const string DefaultHealthCheckPath = "/health";

    /// <summary>The task CPU units used by default.</summary>
    public const int DefaultCpu = 256;

    /// <summary>The task memory (MiB) used by default.</summary>
    public const int DefaultMemory = 512;

    /// <summary>The architecture used by default.</summary>
    public const Architecture DefaultArchitecture = Architecture.X86_64;

    /// <summary>The container name used by default.</summary>
    public const string DefaultContainerName = "app";

    /// <summary>Validates the settings, collecting every problem under <paramref name="path"/>.</summary>
    internal void Validate(Conventions.Validator v, string path)
    {
        v.Port(Port, $"{path}.port");
        ValidateSize(Cpu, Memory, v, path);
        v.Require(HealthCheckPath.StartsWith('/') && HealthCheckPath.Length <= 1024 && !HealthCheckPath.Any(char.IsWhiteSpace) && !HealthCheckPath.Contains('?'),
            $"{path}.healthCheckPath", HealthCheckPath, "must be an absolute URL path without spaces or a query, for example \"/health\".");
        v.DnsLabel(ContainerName, $"{path}.containerName", 255);
        foreach (var (secret, i) in Secrets.Select((s, i) => (s, i)))
        {
            ValidateVariableName(secret.Name, v, $"{path}.secrets[{i}].name");
        }
        ValidateEnvironment(Environment, v, $"{path}.environment");
        foreach (var dup in Secrets.Select((s, i) => (s, i)).GroupBy(x => x.s.Name).Where(g => g.Count() > 1 || Environment.ContainsKey(g.Key)))
        {
            v.Add($"{path}.secrets[{dup.Last().i}].name", dup.Key, "is defined more than once (as a secret and/or a plain variable). Keep one definition.");
        }
        foreach (var (secret, i) in Secrets.Select((s, i) => (s, i)))
        {
            if (!v.Require(!string.IsNullOrWhiteSpace(secret.Reference), $"{path}.secrets[{i}]", secret.Name, "names no secret or parameter."))
            {
                continue;
            }
            // The reference becomes an IAM resource and the valueFrom of the task definition.
            if (secret.Store == SecretStore.ParameterStore)
            {
                Conventions.SecretReferences.Parameter(v, secret.Reference, $"{path}.secrets[{i}].parameter");
                // A parameter has no JSON keys: ECS would read the whole value, whatever the key says.
                v.Require(secret.JsonKey is null, $"{path}.secrets[{i}].jsonKey", secret.JsonKey,
                    "applies to Secrets Manager JSON secrets only; a Parameter Store parameter is read whole. Remove it, or store the secret in Secrets Manager.");
            }
            else
            {
                Conventions.SecretReferences.SecretsManager(v, secret.Reference, $"{path}.secrets[{i}].secretsManager");
                if (secret.JsonKey is not null)
                {
                    Conventions.SecretReferences.JsonKey(v, secret.JsonKey, $"{path}.secrets[{i}].jsonKey");
                }
            }
        }
    }

    /// <summary>
    /// Checks plain environment variables: valid names, and no secret in a variable whose name says
    /// it holds one (its value is never shown).
    /// </summary>
    internal static void ValidateEnvironment(IReadOnlyDictionary<string, string> environment, Conventions.Validator v, string path)
    {
        foreach (var (key, value) in environment)
        {
            ValidateVariableName(key, v, $"{path}.{key}");
            // Secrets belong in Secrets Manager or Parameter Store, never in templates.
            v.Require(!IsSecretVariableName(key), $"{path}.{key}", Conventions.Validator.Hidden.SecretValue,
                "looks like a secret in a plain environment variable. Move it to secrets (Secrets Manager or Parameter Store) and reference it by name.");
        }
    }

    private static void ValidateVariableName(string key, Conventions.Validator v, string path) =>
        v.Require(System.Text.RegularExpressions.Regex.IsMatch(key, "^[A-Za-z_][A-Za-z0-9_]*$"), path, key,
            "is not a valid environment variable name. Use letters, digits and underscores, not starting with a digit.");

    /// <summary>Checks a Fargate CPU/memory pair; problems are reported as <paramref name="path"/>.cpu/.memory.</summary>
    /// <param name="cpu">The CPU units in effect.</param>
    /// <param name="memory">The memory in effect.</param>
    /// <param name="v">Collects the problems.</param>
    /// <param name="path">The owner of the pair, for example <c>services[0].environments[1]</c>.</param>
    /// <param name="cpuFrom">Where the CPU came from when <paramref name="path"/> does not set it (then an invalid CPU is reported there, not here).</param>
    /// <param name="memoryFrom">Where the memory came from when <paramref name="path"/> does not set it.</param>
    internal static void ValidateSize(int cpu, int memory, Conventions.Validator v, string path, string? cpuFrom = null, string? memoryFrom = null)
    {
        var valid = ValidMemory(cpu);
        if (valid.Count == 0)
        {
            if (cpuFrom is null)
            {
                v.Add($"{path}.cpu", cpu, "is not a Fargate CPU size. Use 256, 512, 1024, 2048, 4096, 8192 or 16384.");
            }
            return;
        }
        if (!valid.Contains(memory))
        {
            var sizes = $"{valid[0]}..{valid[^1]} MiB ({string.Join(", ", valid.Take(4))}, ...)";
            var cpuShown = cpuFrom is null ? $"{cpu} CPU units" : $"{cpu} CPU units (inherited from {cpuFrom})";
            var fix = memoryFrom is not null ? $"Set {path}.memory to one of {sizes}."
                : cpuFrom is not null ? $"Use one of {sizes}, or set {path}.cpu to a size that fits {memory} MiB."
                : $"Use one of {sizes}.";
            v.Add($"{path}.memory", memoryFrom is null ? memory : new Conventions.Validator.Inherited(memory, memoryFrom),
                $"is not valid with {cpuShown} on Fargate. {fix}");
        }
    }

    /// <summary>True for an environment variable name that says it holds a secret (PASSWORD, TOKEN, ...).</summary>
    public static bool IsSecretVariableName(string key) =>
        new[] { "PASSWORD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY" }.Any(k => key.Contains(k, StringComparison.OrdinalIgnoreCase));

    /// <summary>Fargate's valid memory sizes (MiB) for each CPU size.</summary>
    public static IReadOnlyList<int> ValidMemory(int cpu) => cpu switch
    {
        256 => new[] { 512, 1024, 2048 },
        512 => Enumerable.Range(1, 4).Select(g => g * 1024).ToArray(),
        1024 => Enumerable.Range(2, 7).Select(g => g * 1024).ToArray(),
        2048 => Enumerable.Range(4, 13).Select(g => g * 1024).ToArray(),
        4096 => Enumerable.Range(8, 23).Select(g => g * 1024).ToArray(),
        8192 => Enumerable.Range(4, 12).Select(g => g * 4096).ToArray(),
        16384 => Enumerable.Range(4, 12).Select(g => g * 8192).ToArray(),
        _ => Array.Empty<int>(),
    };
}
