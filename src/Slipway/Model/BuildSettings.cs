using Slipway.Conventions;
using Slipway.Runtime;

namespace Slipway.Model;

/// <summary>A ready-made test or analysis command.</summary>
public enum CheckPreset
{
    /// <summary>Run <see cref="CheckSettings.Command"/> as given.</summary>
    [ManifestName("custom")]
    Custom,

    /// <summary>pytest with JUnit results.</summary>
    [ManifestName("python")]
    Python,

    /// <summary>dotnet test with JUnit results.</summary>
    [ManifestName("dotnet")]
    DotNet,

    /// <summary>npm test (the project must write JUnit results to the report path).</summary>
    [ManifestName("node")]
    Node,

    /// <summary>bandit static analysis of Python code, failing on high severity.</summary>
    [ManifestName("bandit")]
    Bandit,
}

/// <summary>
/// A vulnerability severity, lowest first, as Trivy names them (its --severity values:
/// https://trivy.dev/latest/docs/scanner/vulnerability/#severity-selection).
/// </summary>
public enum Severity
{
    /// <summary>Trivy UNKNOWN: the advisory gives no severity.</summary>
    [ManifestName("UNKNOWN")]
    Unknown,

    /// <summary>Trivy LOW.</summary>
    [ManifestName("LOW")]
    Low,

    /// <summary>Trivy MEDIUM.</summary>
    [ManifestName("MEDIUM")]
    Medium,

    /// <summary>Trivy HIGH.</summary>
    [ManifestName("HIGH")]
    High,

    /// <summary>Trivy CRITICAL.</summary>
    [ManifestName("CRITICAL")]
    Critical,
}

/// <summary>
/// The CodeBuild compute types of the Linux container environment Slipway's projects use
/// (https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html).
/// </summary>
public enum BuildComputeType
{
    /// <summary>BUILD_GENERAL1_SMALL: 2 vCPUs (3 GB memory).</summary>
    [ManifestName("BUILD_GENERAL1_SMALL")]
    Small,

    /// <summary>BUILD_GENERAL1_MEDIUM: 4 vCPUs (7 GB memory).</summary>
    [ManifestName("BUILD_GENERAL1_MEDIUM")]
    Medium,

    /// <summary>BUILD_GENERAL1_LARGE: 8 vCPUs (15 GB memory).</summary>
    [ManifestName("BUILD_GENERAL1_LARGE")]
    Large,

    /// <summary>BUILD_GENERAL1_XLARGE: 36 vCPUs (70 GB memory).</summary>
    [ManifestName("BUILD_GENERAL1_XLARGE")]
    XLarge,

    /// <summary>BUILD_GENERAL1_2XLARGE: 72 vCPUs (145 GB memory).</summary>
    [ManifestName("BUILD_GENERAL1_2XLARGE")]
    X2Large,
}

/// <summary>A check run in its own CodeBuild project, in parallel with the other checks.</summary>
public sealed class CheckSettings
{
    /// <summary>A preset that supplies the command and report path.</summary>
    /// <remarks>Default: <see cref="DefaultPreset"/> (Custom: then <see cref="Command"/> is required).</remarks>
    public CheckPreset Preset { get; init; } = DefaultPreset;

    /// <summary>The preset used by default.</summary>
    public const CheckPreset DefaultPreset = CheckPreset.Custom;

    /// <summary>The commands to run (they replace the preset's).</summary>
    /// <remarks>Default: the preset's commands.</remarks>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>The JUnit XML file(s) published to the report group, relative to the source root.</summary>
    /// <remarks>Default: the preset's (reports/junit.xml), none for Custom.</remarks>
    public string? ReportPath { get; init; }

    /// <summary>The directory the commands run in, relative to the source root.</summary>
    /// <remarks>Default: the source root.</remarks>
    public string? WorkingDirectory { get; init; }
}

/// <summary>The container image scan.</summary>
public sealed class ImageScanSettings
{
    /// <summary>Whether to scan the pushed image.</summary>
    /// <remarks>Default: true.</remarks>
    public bool Enabled { get; init; } = DefaultEnabled;

    /// <summary>The lowest severity that fails the pipeline.</summary>
    /// <remarks>Default: <see cref="DefaultFailOn"/> (CRITICAL).</remarks>
    public Severity FailOn { get; init; } = DefaultFailOn;

    /// <summary>The Trivy version, pinned, with the SHA-256 of its Linux-64bit release archive (verified before use).</summary>
    /// <remarks>Default: <see cref="DefaultTrivyVersion"/> and its published checksum.</remarks>
    public string TrivyVersion { get; init; } = DefaultTrivyVersion;

    /// <summary>The SHA-256 of trivy_{version}_Linux-64bit.tar.gz from the release's checksums file.</summary>
    /// <remarks>Default: the checksum of <see cref="DefaultTrivyVersion"/>; required with another version.</remarks>
    public string TrivySha256 { get; init; } = DefaultTrivySha256;

    /// <summary>Whether the severity gate ignores vulnerabilities that have no fixed version yet (Trivy --ignore-unfixed).</summary>
    /// <remarks>Default: false (every vulnerability at or above <see cref="FailOn"/> fails). The reports always list all of them.</remarks>
    public bool IgnoreUnfixed { get; init; }

    /// <summary>Where Trivy pulls its vulnerability database from.</summary>
    /// <remarks>Default: the public ECR copy, which is not rate limited like the default registry.</remarks>
    [ManifestIgnore]
    public string DatabaseRepository { get; init; } = DefaultDatabaseRepository;

    /// <summary>The severity that fails the pipeline by default.</summary>
    public const Severity DefaultFailOn = Severity.Critical;

    /// <summary>The public ECR copy of Trivy's vulnerability database.</summary>
    public const string DefaultDatabaseRepository = "public.ecr.aws/aquasecurity/trivy-db:2";

    /// <summary>Whether the image is scanned by default.</summary>
    public const bool DefaultEnabled = true;

    /// <summary>The Trivy version Slipway is tested with.</summary>
    public const string DefaultTrivyVersion = "0.56.2";

    /// <summary>SHA-256 of trivy_0.56.2_Linux-64bit.tar.gz (aquasecurity/trivy v0.56.2 trivy_0.56.2_checksums.txt).</summary>
    public const string DefaultTrivySha256 = "78b81eff58ebf79782e85b33591446f2c04750468e80c26006145ecfc56a9cc2";

    /// <summary>Severities in increasing order, as Trivy names them.</summary>
    public static readonly IReadOnlyList<string> Severities = new[] { "UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

    /// <summary>The Trivy names of <paramref name="lowest"/> and every higher severity (the ones that fail the pipeline).</summary>
    public static IReadOnlyList<string> AtOrAbove(Severity lowest) => Severities.Skip((int)lowest).ToList();
}

/// <summary>Docker Hub (or another registry) credentials for `docker login` before builds, to avoid pull rate limits.</summary>
/// <param name="Store">Secrets Manager (a JSON secret with "username" and "password") or Parameter Store.</param>
/// <param name="Reference">Secrets Manager: the secret name. Parameter Store: a path prefix holding "username" and "password" parameters.</param>
/// <param name="KmsKeyArn">The customer-managed KMS key that encrypts the values; null for the AWS-managed key (aws/ssm, aws/secretsmanager), which needs no grant.</param>
public sealed record RegistryCredentials(SecretStore Store, [ManifestKeyed(nameof(Store), "secretsManager", "parameterPath")] string Reference, string? KmsKeyArn = null);

/// <summary>A secret given to the builds as an environment variable.</summary>
/// <param name="Name">The variable name.</param>
/// <param name="Store">Secrets Manager or Parameter Store.</param>
/// <param name="Reference">Secret name or ARN (optionally followed by ":json-key"), or parameter name.</param>
/// <param name="KmsKeyArn">The customer-managed KMS key that encrypts the value; null for the AWS-managed key (aws/ssm, aws/secretsmanager), which needs no grant.</param>
public sealed record BuildSecret(string Name, SecretStore Store, [ManifestKeyed(nameof(Store), "secretsManager", "parameter")] string Reference, string? KmsKeyArn = null);

/// <summary>The ECR repository of the builds' own image (<see cref="BuildSettings.BuildImage"/>), created by Slipway in the pipeline's account.</summary>
public sealed class BuildImageRepositorySettings
{
    /// <summary>Whether Slipway creates the repository (named by <see cref="BuildSettings.BuildImage"/>, or SERVICE-build-images).</summary>
    public required bool Create { get; init; }

    /// <summary>How many images the repository keeps (the one <see cref="BuildSettings.BuildImage"/> names is always kept).</summary>
    /// <remarks>Default: <see cref="DefaultKeepImages"/>.</remarks>
    public int KeepImages { get; init; } = DefaultKeepImages;

    /// <summary>Images kept by default.</summary>
    public const int DefaultKeepImages = 10;
}

/// <summary>How the service is built and checked.</summary>
public sealed class BuildSettings
{
    /// <summary>The Dockerfile, relative to the source root.</summary>
    /// <remarks>Default: <see cref="DefaultDockerfile"/> ("Dockerfile").</remarks>
    public string Dockerfile { get; init; } = DefaultDockerfile;

    /// <summary>The Docker build context, relative to the source root.</summary>
    /// <remarks>Default: <see cref="DefaultContext"/> (".").</remarks>
    public string Context { get; init; } = DefaultContext;

    /// <summary>A custom CodeBuild image from ECR (full image URI with tag or digest).</summary>
    /// <remarks>Default: the Amazon Linux 2 standard image (aws/codebuild/amazonlinux2-x86_64-standard:5.0).</remarks>
    [ManifestName("image")]
    public string? BuildImage { get; init; }

    /// <summary>An ECR repository for <see cref="BuildImage"/>, created in the pipeline's account; the build projects may pull from it.</summary>
    /// <remarks>Default: none (<see cref="BuildImage"/>, if set, names an existing repository).</remarks>
    public BuildImageRepositorySettings? ImageRepository { get; init; }

    /// <summary>The CodeBuild compute type.</summary>
    /// <remarks>Default: <see cref="DefaultComputeType"/> (BUILD_GENERAL1_SMALL).</remarks>
    public BuildComputeType ComputeType { get; init; } = DefaultComputeType;

    /// <summary>Build linux/amd64 and linux/arm64 images (docker buildx with QEMU).</summary>
    /// <remarks>Default: false (only the service's architecture).</remarks>
    public bool MultiArchitecture { get; init; }

    /// <summary>Days after which objects of the S3 build cache expire.</summary>
    /// <remarks>Default: <see cref="DefaultCacheExpirationDays"/> (7).</remarks>
    public int CacheExpirationDays { get; init; } = DefaultCacheExpirationDays;

    /// <summary>Registry credentials for `docker login` before building.</summary>
    /// <remarks>Default: none (anonymous pulls).</remarks>
    public RegistryCredentials? RegistryCredentials { get; init; }

    /// <summary>Secrets the builds receive as environment variables.</summary>
    /// <remarks>Default: none.</remarks>
    public IReadOnlyList<BuildSecret> Secrets { get; init; } = Array.Empty<BuildSecret>();

    /// <summary>Language runtimes pinned in the builds' install phase (for example python: "3.11").</summary>
    /// <remarks>Default: none (the image's defaults).</remarks>
    public IReadOnlyDictionary<string, string> RuntimeVersions { get; init; } = new Dictionary<string, string>();

    /// <summary>A separate compile step before the image build, in its own CodeBuild project.</summary>
    /// <remarks>Default: none (the Dockerfile compiles).</remarks>
    [ManifestName("compile")]
    public IReadOnlyList<string>? CompileCommand { get; init; }

    /// <summary>Unit tests.</summary>
    /// <remarks>Default: none.</remarks>
    public CheckSettings? UnitTests { get; init; }

    /// <summary>Static analysis (SAST).</summary>
    /// <remarks>Default: none.</remarks>
    public CheckSettings? StaticAnalysis { get; init; }

    /// <summary>The container image scan.</summary>
    /// <remarks>Default: Trivy, failing on CRITICAL.</remarks>
    public ImageScanSettings ImageScan { get; init; } = new();

    /// <summary>Days CodeBuild logs are kept.</summary>
    /// <remarks>Default: <see cref="DefaultLogRetentionDays"/> (30).</remarks>
    public int LogRetentionDays { get; init; } = DefaultLogRetentionDays;

    /// <summary>The Dockerfile used by default.</summary>
    public const string DefaultDockerfile = "Dockerfile";

    /// <summary>The build context used by default.</summary>
    public const string DefaultContext = ".";

    /// <summary>The compute type used by default.</summary>
    public const BuildComputeType DefaultComputeType = BuildComputeType.Small;

    /// <summary>Days before build cache objects expire by default.</summary>
    public const int DefaultCacheExpirationDays = 7;

    /// <summary>Days CodeBuild logs are kept by default.</summary>
    public const int DefaultLogRetentionDays = 30;

    /// <summary>The CodeBuild name of <paramref name="computeType"/> (BUILD_GENERAL1_SMALL, ...).</summary>
    public static string CodeBuildName(BuildComputeType computeType) => ManifestNames.Of(computeType);
}
