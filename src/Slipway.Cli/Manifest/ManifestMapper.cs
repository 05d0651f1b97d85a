using Newtonsoft.Json.Linq;
using Slipway.Build;
using Slipway.Conventions;
using Slipway.Access;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Model;

namespace Slipway.Cli.Manifest;

/// <summary>
/// Maps a schema-valid manifest to <see cref="ServiceDefinition"/>s, and its <c>github:</c> section
/// to <see cref="GitHubDeploySettings"/>. Fields left out keep the C# defaults, so the manifest and
/// the library behave the same. Records every field path it reads, so a test can prove that every
/// field of the schema reaches the library.
/// </summary>
public sealed class ManifestMapper
{
    /// <summary>Schema paths (with [] for list items) the mapper read.</summary>
    public HashSet<string> ReadPaths { get; } = new();

    /// <summary>Maps every service of the manifest.</summary>
    public IReadOnlyList<ServiceDefinition> Map(JToken root) =>
        Items(root, "services").Select(Service).ToList();

    /// <summary>Maps the optional <c>github:</c> section; null when the manifest has none.</summary>
    public GitHubDeploySettings? MapGitHub(JToken root)
    {
        if (Get(root, "github") is not JObject gh)
        {
            return null;
        }
        var defaults = new GitHubDeploySettings { Repository = "" };
        var providers = Get(gh, "github.existingProviderArn");
        return new GitHubDeploySettings
        {
            Repository = Str(gh, "github.repository")!,
            Branches = List(gh, "github.branches") ?? defaults.Branches,
            // An item is a name (trusted in every account) or {name, account}.
            Environments = Items(gh, "github.environments").Select(e => e is JObject
                ? new GitHubEnvironment(Str(e, "github.environments[].name")!, Str(e, "github.environments[].account"))
                : new GitHubEnvironment(e.Value<string>()!)).ToList(),
            ExistingProviderArns = providers switch
            {
                null => defaults.ExistingProviderArns,
                JArray list => list.Select(t => t.Value<string>()!).ToList(),
                _ => new[] { providers.Value<string>()! },
            },
            Account = Str(gh, "github.account"),
            Region = Str(gh, "github.region"),
        };
    }

    private ServiceDefinition Service(JToken s)
    {
        var defaults = new ServiceDefinition { Name = "", Source = new S3Source(""), Environments = Array.Empty<DeploymentTarget>() };
        return new ServiceDefinition
        {
            Name = Str(s, "services[].name")!,
            Company = Str(s, "services[].company"),
            Project = Str(s, "services[].project"),
            CostCenter = Str(s, "services[].costCenter") ?? defaults.CostCenter,
            ExtraTags = Map(s, "services[].tags") ?? defaults.ExtraTags,
            PipelineAccount = Str(s, "services[].pipeline.account"),
            PipelineRegion = Str(s, "services[].pipeline.region"),
            CrossAccount = Bool(s, "services[].crossAccount"),
            Source = Source(s),
            Container = Container(s),
            Build = Build(s),
            ArtifactEncryption = Str(s, "services[].artifacts.encryption") switch
            {
                "kms" => ArtifactEncryption.Kms,
                "s3" => ArtifactEncryption.S3Managed,
                _ => null,
            },
            ArtifactNoncurrentVersionDays = Int(s, "services[].artifacts.noncurrentVersionDays") ?? defaults.ArtifactNoncurrentVersionDays,
            ImageRetentionCount = Int(s, "services[].repository.keepImages") ?? defaults.ImageRetentionCount,
            Notifications = new NotificationSettings
            {
                ApprovalEmails = List(s, "services[].notifications.approvalEmails") ?? Array.Empty<string>(),
                Emails = List(s, "services[].notifications.emails") ?? Array.Empty<string>(),
                FailureTopicArn = Str(s, "services[].notifications.failureTopicArn"),
            },
            PermissionsBoundaryPolicyName = Str(s, "services[].permissionsBoundary"),
            Compliance = Str(s, "services[].compliance") == "nist-800-53-r5" ? CompliancePack.Nist80053R5 : CompliancePack.None,
            Environments = Items(s, "services[].environments").Select(Environment).ToList(),
        };
    }

    private PipelineSource Source(JToken s)
    {
        if (Get(s, "services[].source.github") is JObject gh)
        {
            return new GitHubConnectionSource(Str(gh, "services[].source.github.owner")!, Str(gh, "services[].source.github.repository")!,
                Str(gh, "services[].source.github.connectionArn")!, Str(gh, "services[].source.github.branch") ?? "main");
        }
        if (Get(s, "services[].source.githubToken") is JObject token)
        {
            return new GitHubTokenSource(Str(token, "services[].source.githubToken.owner")!, Str(token, "services[].source.githubToken.repository")!,
                Str(token, "services[].source.githubToken.tokenSecret") ?? "github-token", Str(token, "services[].source.githubToken.branch") ?? "main");
        }
        if (Get(s, "services[].source.codecommit") is JObject cc)
        {
            return new CodeCommitSource(Str(cc, "services[].source.codecommit.repository")!, Bool(cc, "services[].source.codecommit.create") ?? true,
                Str(cc, "services[].source.codecommit.branch") ?? "main");
        }
        var s3 = Get(s, "services[].source.s3")!;
        return new S3Source(Str(s3, "services[].source.s3.objectKey")!, Str(s3, "services[].source.s3.bucket"));
    }

    private ContainerSettings Container(JToken s)
    {
        var d = new ContainerSettings();
        return new ContainerSettings
        {
            Port = Int(s, "services[].container.port") ?? d.Port,
            HealthCheckPath = Str(s, "services[].container.healthCheckPath") ?? d.HealthCheckPath,
            Cpu = Int(s, "services[].container.cpu") ?? d.Cpu,
            Memory = Int(s, "services[].container.memory") ?? d.Memory,
            Architecture = Str(s, "services[].container.architecture") == "arm64" ? Architecture.ARM64 : d.Architecture,
            ContainerName = Str(s, "services[].container.containerName") ?? d.ContainerName,
            Environment = Map(s, "services[].container.environment") ?? d.Environment,
            Secrets = Items(s, "services[].container.secrets").Select(x => Str(x, "services[].container.secrets[].parameter") is { } parameter
                ? new ContainerSecret(Str(x, "services[].container.secrets[].name")!, SecretStore.ParameterStore, parameter)
                : new ContainerSecret(Str(x, "services[].container.secrets[].name")!, SecretStore.SecretsManager,
                    Str(x, "services[].container.secrets[].secretsManager")!, Str(x, "services[].container.secrets[].jsonKey"))).ToList(),
        };
    }

    private BuildSettings Build(JToken s)
    {
        var d = new BuildSettings();
        var scan = new ImageScanSettings();
        var creds = Get(s, "services[].build.registryCredentials");
        return new BuildSettings
        {
            Dockerfile = Str(s, "services[].build.dockerfile") ?? d.Dockerfile,
            Context = Str(s, "services[].build.context") ?? d.Context,
            BuildImage = Str(s, "services[].build.image"),
            ImageRepository = Get(s, "services[].build.imageRepository") is { } imageRepository
                ? new BuildImageRepositorySettings
                {
                    Create = Bool(imageRepository, "services[].build.imageRepository.create") ?? false,
                    KeepImages = Int(imageRepository, "services[].build.imageRepository.keepImages") ?? BuildImageRepositorySettings.DefaultKeepImages,
                }
                : null,
            ComputeType = Str(s, "services[].build.computeType") ?? d.ComputeType,
            MultiArchitecture = Bool(s, "services[].build.multiArchitecture") ?? d.MultiArchitecture,
            CacheExpirationDays = Int(s, "services[].build.cacheExpirationDays") ?? d.CacheExpirationDays,
            LogRetentionDays = Int(s, "services[].build.logRetentionDays") ?? d.LogRetentionDays,
            RuntimeVersions = Map(s, "services[].build.runtimeVersions") ?? d.RuntimeVersions,
            RegistryCredentials = creds is null ? null
                : Str(creds, "services[].build.registryCredentials.parameterPath") is { } path
                    ? new RegistryCredentials(SecretStore.ParameterStore, path, Str(creds, "services[].build.registryCredentials.kmsKeyArn"))
                    : new RegistryCredentials(SecretStore.SecretsManager, Str(creds, "services[].build.registryCredentials.secretsManager")!,
                        Str(creds, "services[].build.registryCredentials.kmsKeyArn")),
            Secrets = Items(s, "services[].build.secrets").Select(x => Str(x, "services[].build.secrets[].parameter") is { } parameter
                ? new BuildSecret(Str(x, "services[].build.secrets[].name")!, SecretStore.ParameterStore, parameter, Str(x, "services[].build.secrets[].kmsKeyArn"))
                : new BuildSecret(Str(x, "services[].build.secrets[].name")!, SecretStore.SecretsManager, Str(x, "services[].build.secrets[].secretsManager") ?? "",
                    Str(x, "services[].build.secrets[].kmsKeyArn"))).ToList(),
            CompileCommand = List(s, "services[].build.compile"),
            UnitTests = Check(s, "services[].build.unitTests"),
            StaticAnalysis = Check(s, "services[].build.staticAnalysis"),
            ImageScan = new ImageScanSettings
            {
                Enabled = Bool(s, "services[].build.imageScan.enabled") ?? scan.Enabled,
                FailOn = Str(s, "services[].build.imageScan.failOn") ?? scan.FailOn,
                IgnoreUnfixed = Bool(s, "services[].build.imageScan.ignoreUnfixed") ?? scan.IgnoreUnfixed,
                TrivyVersion = Str(s, "services[].build.imageScan.trivyVersion") ?? scan.TrivyVersion,
                TrivySha256 = Str(s, "services[].build.imageScan.trivySha256") ?? scan.TrivySha256,
            },
        };
    }

    private CheckSettings? Check(JToken s, string path)
    {
        if (Get(s, path) is not JObject check)
        {
            return null;
        }
        return new CheckSettings
        {
            Preset = Enum.Parse<CheckPreset>(Str(check, path + ".preset") ?? "custom", ignoreCase: true),
            Command = List(check, path + ".command"),
            ReportPath = Str(check, path + ".reportPath"),
            WorkingDirectory = Str(check, path + ".workingDirectory"),
        };
    }

    private DeploymentTarget Environment(JToken e)
    {
        const string p = "services[].environments[]";
        var shifting = Get(e, p + ".trafficShifting");
        var tests = Get(e, p + ".integrationTests");
        var existingVpc = Get(e, p + ".network.existingVpc");
        var net = new NetworkSettings();
        return new DeploymentTarget
        {
            Name = Str(e, p + ".name")!,
            Account = Str(e, p + ".account")!,
            Region = Str(e, p + ".region")!,
            Production = Bool(e, p + ".production"),
            RequiresApproval = Bool(e, p + ".requiresApproval"),
            TrafficShifting = shifting switch
            {
                null => null,
                JValue => TrafficShifting.AllAtOnce,
                _ => (Str(shifting, p + ".trafficShifting.type")) switch
                {
                    "canary" => TrafficShifting.Canary(Int(shifting, p + ".trafficShifting.percentage") ?? TrafficShifting.DefaultPercentage,
                        Int(shifting, p + ".trafficShifting.minutes") ?? TrafficShifting.DefaultCanaryMinutes),
                    "linear" => TrafficShifting.Linear(Int(shifting, p + ".trafficShifting.percentage") ?? TrafficShifting.DefaultPercentage,
                        Int(shifting, p + ".trafficShifting.minutes") ?? TrafficShifting.DefaultLinearMinutes),
                    _ => TrafficShifting.AllAtOnce,
                },
            },
            TerminationWaitMinutes = Int(e, p + ".terminationWaitMinutes"),
            DesiredCount = Int(e, p + ".desiredCount"),
            Cpu = Int(e, p + ".cpu"),
            Memory = Int(e, p + ".memory"),
            Environment = Map(e, p + ".environment") ?? new Dictionary<string, string>(),
            IntegrationTests = tests is null ? null : new IntegrationTestSettings
            {
                Command = List(tests, p + ".integrationTests.command")!,
                TimeoutMinutes = Int(tests, p + ".integrationTests.timeoutMinutes") ?? 15,
                When = Str(tests, p + ".integrationTests.when") == "afterTraffic" ? IntegrationTestTiming.AfterTraffic : IntegrationTestTiming.BeforeTraffic,
            },
            Network = new NetworkSettings
            {
                Shared = Bool(e, p + ".network.shared") ?? false,
                NatGateways = Int(e, p + ".network.natGateways"),
                VpcCidr = Str(e, p + ".network.vpcCidr") ?? net.VpcCidr,
                AvailabilityZones = List(e, p + ".network.availabilityZones"),
                ExistingVpc = existingVpc is null ? null : new ExistingVpc(
                    Str(existingVpc, p + ".network.existingVpc.vpcId")!,
                    List(existingVpc, p + ".network.existingVpc.privateSubnetIds")!,
                    List(existingVpc, p + ".network.existingVpc.publicSubnetIds")!,
                    List(existingVpc, p + ".network.existingVpc.availabilityZones")!,
                    Str(existingVpc, p + ".network.existingVpc.cidr")!),
                ExistingClusterName = Str(e, p + ".network.existingCluster"),
                InternetFacing = Bool(e, p + ".network.internetFacing") ?? net.InternetFacing,
                CertificateArn = Str(e, p + ".network.certificateArn"),
                TestListenerPort = Int(e, p + ".network.testListenerPort") ?? net.TestListenerPort,
                TestListenerCidrs = List(e, p + ".network.testListenerCidrs"),
            },
        };
    }

    // Each accessor takes the full schema path; the part after the owner's own path is looked up.
    private JToken? Get(JToken owner, string schemaPath)
    {
        ReadPaths.Add(schemaPath);
        var token = owner;
        var relative = Relative(owner, schemaPath);
        foreach (var part in relative.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            token = (token as JObject)?[part];
            if (token is null || token.Type == JTokenType.Null)
            {
                return null;
            }
        }
        return token;
    }

    private string? Str(JToken owner, string path) => Get(owner, path)?.Value<string>();

    private int? Int(JToken owner, string path) => Get(owner, path)?.Value<int?>();

    private bool? Bool(JToken owner, string path) => Get(owner, path)?.Value<bool?>();

    private IReadOnlyList<string>? List(JToken owner, string path) => (Get(owner, path) as JArray)?.Select(t => t.Value<string>()!).ToList();

    private IReadOnlyDictionary<string, string>? Map(JToken owner, string path) =>
        (Get(owner, path) as JObject)?.Properties().ToDictionary(p => p.Name, p => p.Value.ToString());

    private IEnumerable<JToken> Items(JToken owner, string path) => (Get(owner, path) as JArray) ?? new JArray();

    // The owner token stands for the longest prefix of the schema path that names an object
    // already reached: the root, a list item ("[]") or a sub-object handed in by a caller.
    private static string Relative(JToken owner, string schemaPath)
    {
        var ownerPath = SchemaPathOf(owner);
        return ownerPath.Length == 0 ? schemaPath : schemaPath[(ownerPath.Length + 1)..];
    }

    private static string SchemaPathOf(JToken token) =>
        System.Text.RegularExpressions.Regex.Replace(token.Path, @"\[\d+\]", "[]");
}
