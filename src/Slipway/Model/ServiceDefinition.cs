using Slipway.Build;
using Slipway.Conventions;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Stacks;

namespace Slipway.Model;

/// <summary>How pipeline artifacts are encrypted at rest.</summary>
public enum ArtifactEncryption
{
    /// <summary>SSE-S3 (single-account default).</summary>
    [ManifestName("s3")]
    S3Managed,

    /// <summary>A customer-managed KMS key with rotation (always used cross-account).</summary>
    [ManifestName("kms")]
    Kms,
}

/// <summary>Who hears about the pipeline.</summary>
public sealed class NotificationSettings
{
    /// <summary>Addresses asked to approve promotions into protected environments.</summary>
    /// <remarks>Default: none; required when any environment needs approval.</remarks>
    public IReadOnlyList<string> ApprovalEmails { get; init; } = Array.Empty<string>();

    /// <summary>Addresses told about pipeline state changes (failed, succeeded, superseded, stage failures, waiting approvals).</summary>
    /// <remarks>Default: none (the topic exists; subscribe later).</remarks>
    public IReadOnlyList<string> Emails { get; init; } = Array.Empty<string>();

    /// <summary>An extra SNS topic ARN (chat integration, paging) that receives failures only.</summary>
    /// <remarks>Default: none.</remarks>
    public string? FailureTopicArn { get; init; }
}

/// <summary>
/// Everything Slipway needs to know about one service: the C# form of a service in
/// <c>slipway.yaml</c>. <see cref="SlipwayStacks"/> turns it into a pipeline stack in the tooling
/// account and one runtime stack per environment.
/// </summary>
public sealed class ServiceDefinition
{
    /// <summary>Service name: lowercase letters, digits and hyphens (used in every physical name).</summary>
    public required string Name { get; init; }

    /// <summary>Where the source comes from.</summary>
    public required PipelineSource Source { get; init; }

    /// <summary>The environments, in promotion order.</summary>
    public required IReadOnlyList<DeploymentTarget> Environments { get; init; }

    /// <summary>The account the pipeline runs in.</summary>
    /// <remarks>Default: the first environment's account (single-account mode).</remarks>
    [ManifestName("pipeline.account")]
    public string? PipelineAccount { get; init; }

    /// <summary>The region the pipeline runs in.</summary>
    /// <remarks>Default: the first environment's region.</remarks>
    [ManifestName("pipeline.region")]
    public string? PipelineRegion { get; init; }

    /// <summary>Cross-account mode: KMS-encrypted artifacts readable by the environments' deploy roles.</summary>
    /// <remarks>Default: on when any environment is in another account than the pipeline.</remarks>
    public bool? CrossAccount { get; init; }

    /// <summary>An optional company prefix of physical names ({company}-{service}-{environment}-{resource}).</summary>
    /// <remarks>Default: none.</remarks>
    public string? Company { get; init; }

    /// <summary>Project tag.</summary>
    /// <remarks>Default: the service name.</remarks>
    public string? Project { get; init; }

    /// <summary>CostCenter tag.</summary>
    /// <remarks>Default: <see cref="DefaultCostCenter"/> ("unassigned").</remarks>
    public string CostCenter { get; init; } = DefaultCostCenter;

    /// <summary>Extra tags on every resource.</summary>
    /// <remarks>Default: none.</remarks>
    [ManifestName("tags")]
    public IReadOnlyDictionary<string, string> ExtraTags { get; init; } = new Dictionary<string, string>();

    /// <summary>What runs in the tasks.</summary>
    /// <remarks>Default: port 8080, /health, 256 CPU, 512 MiB, X86_64.</remarks>
    public ContainerSettings Container { get; init; } = new();

    /// <summary>How the image is built and checked.</summary>
    /// <remarks>Default: Dockerfile at the root, Trivy scan failing on CRITICAL, no unit tests or SAST.</remarks>
    public BuildSettings Build { get; init; } = new();

    /// <summary>Notifications and approvers.</summary>
    /// <remarks>Default: no subscribers.</remarks>
    public NotificationSettings Notifications { get; init; } = new();

    /// <summary>Artifact encryption.</summary>
    /// <remarks>Default: SSE-S3 in single-account mode; always KMS in cross-account mode.</remarks>
    [ManifestName("artifacts.encryption")]
    public ArtifactEncryption? ArtifactEncryption { get; init; }

    /// <summary>Days before noncurrent versions of artifacts expire.</summary>
    /// <remarks>Default: <see cref="DefaultArtifactNoncurrentVersionDays"/> (90).</remarks>
    [ManifestName("artifacts.noncurrentVersionDays")]
    public int ArtifactNoncurrentVersionDays { get; init; } = DefaultArtifactNoncurrentVersionDays;

    /// <summary>How many images the ECR repository keeps, besides each environment's last promoted images (which are never expired by this count).</summary>
    /// <remarks>Default: <see cref="DefaultImageRetentionCount"/> (10).</remarks>
    [ManifestName("repository.keepImages")]
    public int ImageRetentionCount { get; init; } = DefaultImageRetentionCount;

    /// <summary>An opt-in compliance profile hardened beyond the defaults (docs/compliance.md).</summary>
    /// <remarks>Default: <see cref="CompliancePack.None"/>.</remarks>
    public CompliancePack Compliance { get; init; } = CompliancePack.None;

    /// <summary>A managed policy name applied as permissions boundary to every role Slipway creates.</summary>
    /// <remarks>Default: none.</remarks>
    [ManifestName("permissionsBoundary")]
    public string? PermissionsBoundaryPolicyName { get; init; }

    /// <summary>The CostCenter tag used by default.</summary>
    public const string DefaultCostCenter = ConstructTags.UnassignedCostCenter;

    /// <summary>Days before noncurrent artifact versions expire by default.</summary>
    public const int DefaultArtifactNoncurrentVersionDays = 90;

    /// <summary>Images the ECR repository keeps by default.</summary>
    public const int DefaultImageRetentionCount = 10;

    /// <summary>The pipeline's account in effect.</summary>
    public string ToolingAccount => PipelineAccount ?? Environments.FirstOrDefault()?.Account ?? "";

    /// <summary>The pipeline's region in effect.</summary>
    public string ToolingRegion => PipelineRegion ?? Environments.FirstOrDefault()?.Region ?? "";

    /// <summary>True when any environment lives in another account or region than the pipeline.</summary>
    public bool SpansAccounts => Environments.Any(e => e.Account != ToolingAccount || e.Region != ToolingRegion);

    /// <summary>Cross-account mode in effect.</summary>
    public bool IsCrossAccount => CrossAccount ?? SpansAccounts;

    /// <summary>Whether artifacts use the customer-managed key.</summary>
    /// <remarks>The NIST 800-53 profile encrypts every bucket that supports it with KMS.</remarks>
    public bool ArtifactsUseKms => IsCrossAccount || ArtifactEncryption == Slipway.Model.ArtifactEncryption.Kms || Compliance == CompliancePack.Nist80053R5;

    /// <summary>Physical names of the service for <paramref name="suffix"/>.</summary>
    public ResourceNames Names(string suffix) => new(Name, null, suffix, Company);

    /// <summary>The tags of the service in <paramref name="environment"/>.</summary>
    public SlipwayTags Tags(string environment) => new()
    {
        Environment = environment,
        Project = Project ?? Name,
        CostCenter = CostCenter,
        Service = Name,
        Extra = ExtraTags,
    };

    // " (inherited from ...)" when the pipeline's account or region is the first environment's.
    private string PipelineOrigin(string path, string what) =>
        Environments.Count == 0 || (what == "region" ? PipelineRegion : PipelineAccount) is not null
            ? ""
            : $" (inherited from {path}.environments[0].{what}: {path}.pipeline.{what} is not set)";

    // What the NIST 800-53 profile cannot harden by itself: it needs KMS artifacts and a certificate.
    private void ValidateNist(Validator v, string path)
    {
        if (ArtifactEncryption == Slipway.Model.ArtifactEncryption.S3Managed)
        {
            v.Add($"{path}.artifacts.encryption", "s3",
                "cannot be used with compliance nist-800-53-r5, which encrypts every bucket that supports it with KMS (NIST.800.53.R5-S3DefaultEncryptionKMS). Remove artifacts.encryption, or remove compliance if the team requires SSE-S3.");
        }
        foreach (var (env, i) in Environments.Select((e, i) => (e, i)))
        {
            if (env.Network.CertificateArn is null)
            {
                v.Add($"{path}.environments[{i}].network.certificateArn", null,
                    "is required by compliance nist-800-53-r5: its listeners must be HTTPS with an ACM certificate (NIST.800.53.R5-ELBv2ACMCertificateRequired, ALBHttpToHttpsRedirection). Set it to the ARN of an ACM certificate for the service's domain in that account and region.");
            }
        }
    }

    /// <summary>The root of the C# property paths in <see cref="Problems"/> (<c>ServiceDefinition.Build.BuildImage</c>).</summary>
    public const string CSharpRoot = nameof(ServiceDefinition);

    /// <summary>
    /// A validator whose problems name their fields by C# property path under <see cref="CSharpRoot"/>
    /// (for example <c>ServiceDefinition.Environments[1].Network.TestListenerPort</c>), read with
    /// this definition's values; pass <see cref="CSharpRoot"/> as the path to the checks.
    /// </summary>
    internal Validator CSharpValidator() => new() { Rewrite = problem => ModelFields.ToCSharp(problem, CSharpRoot, typeof(ServiceDefinition), this) };

    /// <summary>
    /// Every problem of this definition, each starting with its field's C# property path, for
    /// example <c>ServiceDefinition.Build.BuildImage: "..." is not an ECR image URI. ...</c>.
    /// Empty when it is valid. <see cref="SlipwayStacks.Add"/> throws a
    /// <see cref="SlipwayValidationException"/> with these.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var v = CSharpValidator();
        Validate(v, CSharpRoot);
        return v.Problems;
    }

    /// <summary>
    /// Checks everything, collecting problems under <paramref name="path"/> with manifest-form
    /// field names (the manifest loader passes <c>services[0]</c>; <see cref="Problems"/> passes
    /// <see cref="CSharpRoot"/> and rewrites them into C# property paths).
    /// </summary>
    internal void Validate(Validator v, string path)
    {
        v.DnsLabel(Name, $"{path}.name", 24);
        if (Company is not null)
        {
            v.DnsLabel(Company, $"{path}.company", 16);
        }
        v.NotBlank(CostCenter, $"{path}.costCenter", "Set the cost center to bill, for example \"platform-1234\".");
        v.Require(Environments.Count > 0, $"{path}.environments", Array.Empty<string>(), "is empty. Add at least one environment with a name, account and region.");
        // Without pipeline.account/region the first environment's are used: a bad one is reported
        // once, where it was written.
        if (PipelineAccount is not null || Environments.Count == 0)
        {
            v.AccountId(ToolingAccount, $"{path}.pipeline.account");
        }
        if (PipelineRegion is not null || Environments.Count == 0)
        {
            v.Region(ToolingRegion, $"{path}.pipeline.region");
        }
        foreach (var (env, i) in Environments.Select((e, i) => (e, i)))
        {
            env.Validate(Container, v, $"{path}.environments[{i}]", $"{path}.container");
            // Cross-region actions need artifact replication buckets in every region (CDK support
            // stacks with generated names the environment accounts cannot know): not supported yet.
            v.Require(env.Region == ToolingRegion || !AwsRegions.IsKnown(env.Region) || !AwsRegions.IsKnown(ToolingRegion), $"{path}.environments[{i}].region", env.Region,
                $"differs from the pipeline's region \"{ToolingRegion}\"{PipelineOrigin(path, "region")}. Environments must be in the pipeline's region; for another region, add a service entry whose pipeline.region is that region.");
        }
        foreach (var dup in Environments.GroupBy(e => e.Name).Where(g => g.Count() > 1))
        {
            v.Add($"{path}.environments", dup.Key, "is the name of more than one environment. Give each environment its own name.");
        }
        if (CrossAccount == false && SpansAccounts)
        {
            var other = Environments.First(e => e.Account != ToolingAccount || e.Region != ToolingRegion);
            v.Add($"{path}.crossAccount", false,
                $"but environment \"{other.Name}\" is in {other.Account}/{other.Region}, not the pipeline's {ToolingAccount}/{ToolingRegion}{PipelineOrigin(path, other.Account != ToolingAccount ? "account" : "region")}. Remove crossAccount: false (cross-account mode encrypts artifacts with KMS so that account can read them).");
        }
        if (IsCrossAccount && ArtifactEncryption == Slipway.Model.ArtifactEncryption.S3Managed)
        {
            v.Add($"{path}.artifacts.encryption", "s3", "cannot be used across accounts: other accounts cannot read SSE-S3 artifacts through CodePipeline. Use \"kms\" or remove the field.");
        }
        if (Compliance == CompliancePack.Nist80053R5)
        {
            ValidateNist(v, path);
        }
        Container.Validate(v, $"{path}.container");
        PipelineValidation.Validate(this, v, path);
        v.Require(ArtifactNoncurrentVersionDays is >= 1 and <= 3650, $"{path}.artifacts.noncurrentVersionDays", ArtifactNoncurrentVersionDays, "must be from 1 to 3650.");
        v.Require(ImageRetentionCount is >= 1 and <= 1000, $"{path}.repository.keepImages", ImageRetentionCount, "must be from 1 to 1000.");
    }
}
