using System.Reflection;
using Amazon.CDK;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using ILifecycleRule = Amazon.CDK.AWS.S3.ILifecycleRule;
using LifecycleRule = Amazon.CDK.AWS.S3.LifecycleRule;
using Constructs;
using Slipway.Conventions;
using Slipway.Access;
using Slipway.Model;

namespace Slipway.Build;

/// <summary>Props of <see cref="BuildProjects"/>.</summary>
public sealed class BuildProjectsProps
{
    /// <summary>Names of the service (no environment): projects, log groups, roles and the cache bucket are named from them.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>The builds and checks.</summary>
    /// <remarks>Default: <c>new BuildSettings()</c> (image build and image scan).</remarks>
    public BuildSettings Build { get; init; } = new();

    /// <summary>The service's container: the image build writes it into each environment's task definition.</summary>
    /// <remarks>Default: <c>new ContainerSettings()</c>.</remarks>
    public ContainerSettings Container { get; init; } = new();

    /// <summary>
    /// The environments, in promotion order: the image build writes their deployment files, and the
    /// alarm-rollback and integration-test projects may assume their roles (by name, in their accounts).
    /// </summary>
    public required IReadOnlyList<DeploymentTarget> Environments { get; init; }

    /// <summary>The service's image repository: the image build pushes to it, the scan and promotion read it.</summary>
    public required IRepository Repository { get; init; }

    /// <summary>The key builds encrypt their output and the cache bucket with.</summary>
    /// <remarks>Default: the AWS-managed S3 key.</remarks>
    public IKey? EncryptionKey { get; init; }

    /// <summary>The bucket that receives the cache bucket's S3 server access logs.</summary>
    /// <remarks>Default: no server access logs.</remarks>
    public IBucket? AccessLogsBucket { get; init; }

    /// <summary>Tags put on everything the projects create.</summary>
    /// <remarks>Default: Environment "tooling", Project and Service the service's name, CostCenter "unassigned", ManagedBy "slipway".</remarks>
    public SlipwayTags? Tags { get; init; }
}

/// <summary>
/// The pipeline's CodeBuild projects: image build, optional compile, unit tests, static analysis,
/// image scan and integration tests. Each has its own log group (30 days by default), the S3 build
/// cache (objects expire after 7 days by default) and exactly the permissions it needs.
/// </summary>
/// <remarks>
/// Needs a stack with a concrete account and region (bucket names). It creates no image
/// repository for the service and no artifact bucket: both are given.
/// </remarks>
public sealed class BuildProjects : Construct
{
    /// <summary>Docker build and push; writes the deployment files.</summary>
    public PipelineProject ImageBuild { get; }

    /// <summary>The separate compile step, when configured.</summary>
    public PipelineProject? Compile { get; }

    /// <summary>Unit tests, when configured.</summary>
    public PipelineProject? UnitTests { get; }

    /// <summary>Static analysis, when configured.</summary>
    public PipelineProject? StaticAnalysis { get; }

    /// <summary>The image scan, unless disabled.</summary>
    public PipelineProject? ImageScan { get; }

    /// <summary>Adds each environment's promotion tag to the image before it is deployed there.</summary>
    public PipelineProject PromoteImage { get; }

    /// <summary>The integration-test runner, when any environment has integration tests.</summary>
    public PipelineProject? IntegrationTests { get; }

    /// <summary>The unit-test report group.</summary>
    public ReportGroup? UnitTestReports { get; }

    /// <summary>The repository of the builds' own image, when <see cref="BuildSettings.ImageRepository"/> asks Slipway to create it.</summary>
    public Repository? BuildImageRepository { get; }

    /// <summary>
    /// The alarm-rollback switch (src/Slipway/Build/alarm-rollback.sh), run first and last in every
    /// deploy stage: lets an execution started with the pipeline variable
    /// <c>ROLLBACK_ON_ALARMS=false</c> deploy while the rollback alarms fire.
    /// </summary>
    public PipelineProject AlarmRollback { get; }

    /// <summary>The S3 build cache.</summary>
    public Bucket CacheBucket { get; }

    /// <summary>All projects created, in pipeline order.</summary>
    public IReadOnlyList<PipelineProject> All { get; }

    private readonly BuildProjectsProps _props;

    /// <summary>Creates the projects.</summary>
    public BuildProjects(Construct scope, string id, BuildProjectsProps props) : base(scope, id)
    {
        StackEnvironment.Require(this, nameof(BuildProjects), "the ARNs of the parameters, secrets and repositories its builds use");
        _props = props;
        var build = props.Build;
        var names = props.Names;

        CacheBucket = SecureBucket.Create(this, "CacheBucket", new SecureBucketOptions
        {
            Name = names.Bucket("build-cache", Stack.Of(this).Account),
            EncryptionKey = props.EncryptionKey,
            AccessLogs = props.AccessLogsBucket,
            AccessLogsPrefix = "build-cache/",
            // A cache object replaced by a newer build is worth nothing: keep it a day.
            NoncurrentVersionDays = 1,
            LifecycleRules = new ILifecycleRule[]
            {
                new LifecycleRule
                {
                    Id = "ExpireCache",
                    Expiration = Duration.Days(build.CacheExpirationDays),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(1),
                },
            },
        });

        if (build.ImageRepository is { Create: true } imageRepository)
        {
            BuildImageRepository = CreateBuildImageRepository(imageRepository);
        }

        var all = new List<PipelineProject>();
        if (build.CompileCommand is not null)
        {
            all.Add(Compile = Project("Compile", "compile", BuildSpecs.Compile(build), privileged: false));
        }
        all.Add(ImageBuild = Project("ImageBuild", "image-build",
            BuildSpecs.ImageBuild(build, props.Container, props.Environments, names, props.Repository.RepositoryUri), privileged: true));
        props.Repository.GrantPullPush(ImageBuild);
        // docker build needs the Docker daemon, which CodeBuild only runs in privileged mode.
        NagSuppressions.OnResource(ImageBuild, "AwsSolutions-CB3",
            "The image build runs docker buildx, which needs the Docker daemon that CodeBuild only provides in privileged mode. It runs only the repository's Dockerfile.");

        if (build.UnitTests is { } tests)
        {
            UnitTestReports = new ReportGroup(this, "UnitTestReports", new ReportGroupProps
            {
                ReportGroupName = ResourceNames.Claim(this, "report group", names.Name("unit-tests", 128)),
                RemovalPolicy = RemovalPolicy.DESTROY,
                DeleteReports = true,
            });
            all.Add(UnitTests = Project("UnitTests", "unit-tests", BuildSpecs.UnitTests(build, tests, UnitTestReports.ReportGroupArn), privileged: false));
            UnitTestReports.GrantWrite(UnitTests);
        }
        if (build.StaticAnalysis is { } sast)
        {
            all.Add(StaticAnalysis = Project("StaticAnalysis", "sast", BuildSpecs.StaticAnalysis(build, sast), privileged: false));
        }
        if (build.ImageScan.Enabled)
        {
            all.Add(ImageScan = Project("ImageScan", "image-scan", BuildSpecs.ImageScan(build, props.Container), privileged: false));
            props.Repository.GrantPull(ImageScan);
        }
        all.Add(PromoteImage = Project("PromoteImage", "promote", BuildSpecs.PromoteImage(props.Repository.RepositoryName), privileged: false));
        // Exactly what retagging needs (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-retag.html),
        // plus DescribeImages to find a tag a retried deployment already added; no push of layers.
        props.Repository.Grant(PromoteImage, "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:PutImage");
        // Tests before the traffic shift run in each environment's traffic gate; only tests a team
        // asks to run after the shift (integrationTests.when: afterTraffic) need this project.
        var afterTraffic = props.Environments.Where(e => e.IntegrationTests is { GateTraffic: false }).ToList();
        if (afterTraffic.Count > 0)
        {
            // The build must outlast the runner, which stops the test task itself on timeout: a
            // build CodeBuild kills first could leave the task running.
            var longest = afterTraffic.Max(e => e.IntegrationTests!.TimeoutMinutes);
            all.Add(IntegrationTests = Project("IntegrationTests", "itest", BuildSpecs.IntegrationTest(IntegrationTestScript.Value), privileged: false,
                roleName: SharedNames.IntegrationTestBuildRole(names), timeoutMinutes: longest + DeploymentContract.IntegrationTestMarginMinutes));
            var roleArns = afterTraffic
                .Select(e => SharedNames.RoleArn(Aws.PARTITION, e.Account, SharedNames.IntegrationTestRole(names.ForEnvironment(e.Name)))).ToArray();
            IntegrationTests.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "AssumeIntegrationTestRoles",
                Actions = new[] { "sts:AssumeRole" },
                Resources = roleArns,
            }));
        }
        all.Add(AlarmRollback = Project("AlarmRollback", "alarms", BuildSpecs.AlarmRollback(AlarmRollbackScript.Value), privileged: false,
            roleName: SharedNames.AlarmRollbackBuildRole(names), timeoutMinutes: 10));
        AlarmRollback.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AssumeAlarmRollbackRoles",
            Actions = new[] { "sts:AssumeRole" },
            Resources = props.Environments
                .Select(e => SharedNames.RoleArn(Aws.PARTITION, e.Account, SharedNames.AlarmRollbackRole(names.ForEnvironment(e.Name)))).ToArray(),
        }));
        All = all;
        ConstructTags.Apply(this, props.Tags, names);
    }

    /// <summary>The alarm-rollback switch script, shipped inside the assembly.</summary>
    public static readonly Lazy<string> AlarmRollbackScript = new(() =>
    {
        using var stream = typeof(BuildProjects).Assembly.GetManifestResourceStream("Slipway.Build.alarm-rollback.sh")
            ?? throw new InvalidOperationException("The alarm-rollback script is missing from the Slipway assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The integration-test runner script, shipped inside the assembly.</summary>
    public static readonly Lazy<string> IntegrationTestScript = new(() =>
    {
        using var stream = typeof(BuildProjects).Assembly.GetManifestResourceStream("Slipway.Build.integration-test.sh")
            ?? throw new InvalidOperationException("The integration-test script is missing from the Slipway assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private PipelineProject Project(string id, string resource, BuildSpecDocument spec, bool privileged, string? roleName = null, int timeoutMinutes = 60)
    {
        var names = _props.Names;
        var build = _props.Build;
        var projectName = ResourceNames.Claim(this, "CodeBuild project", names.Name(resource, 150));
        var logGroup = EncryptedLogGroup.Create(this, id + "Logs", new EncryptedLogGroupOptions
        {
            Name = names.LogGroup(resource),
            RetentionDays = build.LogRetentionDays,
        });
        var role = roleName is null ? null : new Role(this, id + "Role", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", roleName),
            AssumedBy = new ServicePrincipal("codebuild.amazonaws.com"),
            Description = $"CodeBuild role of {projectName}.",
        });
        var project = new PipelineProject(this, id, new PipelineProjectProps
        {
            ProjectName = projectName,
            Description = $"Slipway {resource} for {names.Service}",
            Role = role,
            BuildSpec = BuildSpec.FromObject(spec.ToObject()),
            Environment = new BuildEnvironment
            {
                BuildImage = BuildImage(),
                ComputeType = (ComputeType)Enum.Parse(typeof(ComputeType), BuildSettings.CodeBuildName(build.ComputeType).Replace("BUILD_GENERAL1_", "", StringComparison.Ordinal).Replace("2XLARGE", "X2_LARGE", StringComparison.Ordinal)),
                Privileged = privileged,
            },
            EncryptionKey = _props.EncryptionKey,
            Cache = Cache.Bucket(CacheBucket, new BucketCacheOptions { Prefix = resource }),
            Logging = new LoggingOptions { CloudWatch = new CloudWatchLoggingOptions { LogGroup = logGroup } },
            Timeout = Duration.Minutes(timeoutMinutes),
            QueuedTimeout = Duration.Hours(8),
        });
        BuildSecretGrants.Grant(project, spec);
        var customImage = build.BuildImage;
        if (customImage is not null)
        {
            // The literal URI (CDK renders one with URLSuffix tokens, which cdk-nag cannot evaluate).
            ((CfnProject)project.Node.DefaultChild!).AddPropertyOverride("Environment.Image", customImage);
            NagSuppressions.OnResource(project, "AwsSolutions-CB5",
                "The team asked for its own build image (build.image), hosted in its ECR repository and pulled with the project's role.");
        }
        SuppressGrantWildcards(project, needsEcrLogin: privileged || resource == "image-scan" || customImage is not null);
        if (_props.EncryptionKey is null)
        {
            NagSuppressions.OnResource(project, "AwsSolutions-CB4",
                "Single-account mode with SSE-S3 artifacts (the configured artifacts.encryption): build output is encrypted with the AWS-managed S3 key. Set artifacts.encryption to kms for a customer-managed key.");
        }
        return project;
    }

    private (string Region, string Account)? _environment;

    private void SuppressGrantWildcards(PipelineProject project, bool needsEcrLogin)
    {
        // Read once per construct: every property read is a round trip to the JavaScript runtime.
        var (region, account) = _environment ??= (Stack.Of(this).Region, Stack.Of(this).Account);
        var appliesTo = new List<string>
        {
            $"Resource::{NagSuppressions.Ref(CacheBucket, "Arn")}/*",
            // CDK grants every project its default log group and report groups, by project name.
            $"Resource::arn:<AWS::Partition>:logs:{region}:{account}:log-group:/aws/codebuild/{NagSuppressions.Ref(project)}:*",
            $"Resource::arn:<AWS::Partition>:codebuild:{region}:{account}:report-group/{NagSuppressions.Ref(project)}-*",
        };
        if (needsEcrLogin)
        {
            appliesTo.Add("Resource::*");
        }
        NagSuppressions.OnTree(project.Role!, "AwsSolutions-IAM5",
            "Objects of this pipeline's own cache bucket and the project's own log and report groups (names generated per build); ecr:GetAuthorizationToken has no resource-level permission.",
            appliesTo.ToArray());
    }

    // The repository named by build.image (or SERVICE-build-images until an image is set), in the
    // pipeline's account (PipelineValidation checks build.image is there). Tags are immutable like
    // the service's repository: a new build image is a new tag, and build.image changes with it.
    // The image build.image names is kept by a rule ahead of the count rule, so a burst of pushes
    // never expires the image the builds use
    // (https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html).
    private Repository CreateBuildImageRepository(BuildImageRepositorySettings settings)
    {
        var image = _props.Build.BuildImage;
        var (repositoryName, tag) = image is null ? (_props.Names.Name("build-images", 256), null) : SplitImage(image);
        var rules = new List<Amazon.CDK.AWS.ECR.ILifecycleRule>();
        if (tag is not null)
        {
            rules.Add(new Amazon.CDK.AWS.ECR.LifecycleRule
            {
                RulePriority = 1,
                Description = $"Keep the build image in use ({tag})",
                TagStatus = TagStatus.TAGGED,
                TagPatternList = new[] { tag },
                MaxImageCount = 1,
            });
        }
        rules.Add(new Amazon.CDK.AWS.ECR.LifecycleRule
        {
            RulePriority = rules.Count + 1,
            Description = $"Keep the last {settings.KeepImages} build images",
            TagStatus = TagStatus.ANY,
            MaxImageCount = settings.KeepImages,
        });
        return new Repository(this, "BuildImageRepository", new RepositoryProps
        {
            RepositoryName = ResourceNames.Claim(this, "ECR repository", repositoryName),
            ImageScanOnPush = true,
            ImageTagMutability = TagMutability.IMMUTABLE,
            EmptyOnDelete = true,
            RemovalPolicy = RemovalPolicy.DESTROY,
            LifecycleRules = rules.ToArray(),
        });
    }

    // ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY(:TAG|@DIGEST) → (REPOSITORY, TAG or null for a digest).
    private static (string Repository, string? Tag) SplitImage(string uri)
    {
        var path = uri[(uri.IndexOf('/') + 1)..];
        return path.Contains('@') ? (path[..path.IndexOf('@')], null) : (path[..path.LastIndexOf(':')], path[(path.LastIndexOf(':') + 1)..]);
    }

    private IBuildImage? _buildImage;

    // One image for every project; a custom ECR image is imported once.
    private IBuildImage BuildImage() => _buildImage ??= CreateBuildImage();

    private IBuildImage CreateBuildImage()
    {
        if (_props.Build.BuildImage is not { } uri)
        {
            return LinuxBuildImage.AMAZON_LINUX_2_5;
        }
        // ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY(:TAG|@DIGEST)
        var (host, path) = (uri[..uri.IndexOf('/')], uri[(uri.IndexOf('/') + 1)..]);
        var parts = host.Split('.');
        var separator = path.Contains('@') ? path.IndexOf('@') : path.LastIndexOf(':');
        var repositoryName = path[..separator];
        var tagOrDigest = path[(separator + 1)..];
        // The created repository, or the existing one named by the URI. Either way CodeBuild pulls
        // with the project's role, which FromEcrRepository grants pull on the repository.
        IRepository repository = BuildImageRepository ?? Repository.FromRepositoryAttributes(this, "BuildImageRepository", new RepositoryAttributes
        {
            RepositoryName = repositoryName,
            RepositoryArn = $"arn:{Aws.PARTITION}:ecr:{parts[3]}:{parts[0]}:repository/{repositoryName}",
        });
        return LinuxBuildImage.FromEcrRepository(repository, tagOrDigest);
    }
}
