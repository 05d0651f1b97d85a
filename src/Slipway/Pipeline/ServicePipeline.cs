using Amazon.CDK;
using Amazon.CDK.AWS.CodeBuild;
using Amazon.CDK.AWS.CodeDeploy;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.CodePipeline.Actions;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using ILifecycleRule = Amazon.CDK.AWS.S3.ILifecycleRule;
using LifecycleRule = Amazon.CDK.AWS.S3.LifecycleRule;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;
using Slipway.Build;
using Slipway.Conventions;
using Slipway.Access;
using Slipway.Runtime;
using Slipway.Model;
using CodeCommitRepository = Amazon.CDK.AWS.CodeCommit.Repository;
using EcrRepository = Amazon.CDK.AWS.ECR.Repository;

namespace Slipway.Pipeline;

/// <summary>Props of <see cref="ServicePipeline"/>.</summary>
public sealed class ServicePipelineProps
{
    /// <summary>Physical names of the service (no environment): every resource is named from them.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>Where the pipeline gets the source; the source adds its own action (and what it needs).</summary>
    public required PipelineSource Source { get; init; }

    /// <summary>
    /// The environments deployed to, in promotion order. Each environment's deployment group, roles
    /// and parameters are referred to by their deterministic names in its account and region
    /// (SharedNames): the runtime stacks (or <c>BlueGreenService</c>) create them.
    /// </summary>
    public required IReadOnlyList<DeploymentTarget> Environments { get; init; }

    /// <summary>The builds and checks.</summary>
    /// <remarks>Default: <c>new BuildSettings()</c> (image build and image scan).</remarks>
    public BuildSettings Build { get; init; } = new();

    /// <summary>The service's container, written into each environment's task definition.</summary>
    /// <remarks>Default: <c>new ContainerSettings()</c>.</remarks>
    public ContainerSettings Container { get; init; } = new();

    /// <summary>The image repository the build pushes to and the environments pull from.</summary>
    /// <remarks>
    /// Default: a new repository (immutable tags, scan on push, the promotion-aware lifecycle
    /// policy, pull granted to other accounts' task execution roles). An existing repository is
    /// used as it is: the pipeline adds nothing to its lifecycle or resource policy, so its owner
    /// must already allow other accounts' task execution roles to pull.
    /// </remarks>
    public IRepository? Repository { get; init; }

    /// <summary>The artifact bucket.</summary>
    /// <remarks>
    /// Default: a new bucket (versioned, TLS only, access-logged, encrypted with
    /// <see cref="ArtifactKey"/>). An existing bucket is used as it is; the pipeline's roles are
    /// granted on it.
    /// </remarks>
    public IBucket? ArtifactBucket { get; init; }

    /// <summary>The key that encrypts artifacts and build output.</summary>
    /// <remarks>
    /// Default: the given <see cref="ArtifactBucket"/>'s key, else a new key when
    /// <see cref="ArtifactEncryption"/> asks for KMS.
    /// </remarks>
    public IKey? ArtifactKey { get; init; }

    /// <summary>How created artifacts are encrypted when no <see cref="ArtifactKey"/> is given.</summary>
    /// <remarks>
    /// Default: KMS when any environment is in another account than the stack or
    /// <see cref="Compliance"/> is the NIST 800-53 profile, else SSE-S3. Other accounts cannot
    /// read SSE-S3 artifacts through CodePipeline.
    /// </remarks>
    public ArtifactEncryption? ArtifactEncryption { get; init; }

    /// <summary>Days before noncurrent versions of artifacts expire (created bucket only).</summary>
    /// <remarks>Default: <see cref="DefaultArtifactNoncurrentVersionDays"/>.</remarks>
    public int ArtifactNoncurrentVersionDays { get; init; } = DefaultArtifactNoncurrentVersionDays;

    /// <summary>Images the created repository keeps besides each environment's last promoted images.</summary>
    /// <remarks>Default: <see cref="DefaultImageRetentionCount"/>.</remarks>
    public int ImageRetentionCount { get; init; } = DefaultImageRetentionCount;

    /// <summary>Who is emailed when an environment waits for approval.</summary>
    /// <remarks>Default: none (required when any environment needs approval).</remarks>
    public IReadOnlyList<string> ApprovalEmails { get; init; } = Array.Empty<string>();

    /// <summary>The compliance pack the pipeline's resources follow.</summary>
    /// <remarks>Default: <see cref="CompliancePack.None"/>.</remarks>
    public CompliancePack Compliance { get; init; } = CompliancePack.None;

    /// <summary>Tags put on everything the pipeline creates.</summary>
    /// <remarks>Default: Environment "tooling", Project and Service the service's name, CostCenter "unassigned", ManagedBy "slipway".</remarks>
    public SlipwayTags? Tags { get; init; }

    /// <summary>The default of <see cref="ArtifactNoncurrentVersionDays"/>.</summary>
    public const int DefaultArtifactNoncurrentVersionDays = 90;

    /// <summary>The default of <see cref="ImageRetentionCount"/>.</summary>
    public const int DefaultImageRetentionCount = 10;

    /// <summary>Checks the props, naming each problem by its C# property path under <paramref name="path"/>.</summary>
    internal void Validate(Validator v, string path)
    {
        v.Require(Environments.Count > 0, $"{path}.Environments", "[]",
            "is empty, so the pipeline would deploy nowhere. List at least one DeploymentTarget (name, account, region).");
        foreach (var (target, i) in Environments.Select((e, i) => (e, i)))
        {
            v.AccountId(target.Account, $"{path}.Environments[{i}].Account");
            v.Region(target.Region, $"{path}.Environments[{i}].Region");
        }
        foreach (var (email, i) in ApprovalEmails.Select((e, i) => (e, i)))
        {
            v.Email(email, $"{path}.ApprovalEmails[{i}]");
        }
        if (Environments.FirstOrDefault(e => e.NeedsApproval) is { } gated && ApprovalEmails.Count == 0)
        {
            v.Add($"{path}.ApprovalEmails", "[]",
                $"is empty but environment \"{gated.Name}\" requires approval. Add at least one approver address, for example new[] {{ \"releases@example.com\" }}.");
        }
        v.Require(ArtifactNoncurrentVersionDays is >= 1 and <= 3650, $"{path}.ArtifactNoncurrentVersionDays", ArtifactNoncurrentVersionDays, "must be from 1 to 3650.");
        v.Require(ImageRetentionCount is >= 1 and <= 1000, $"{path}.ImageRetentionCount", ImageRetentionCount, "must be from 1 to 1000.");
    }
}

/// <summary>
/// A service's delivery pipeline (CodePipeline V2, queued executions): source → image build →
/// checks in parallel (unit tests, static analysis, image scan) → for each environment, in order:
/// [approval] → blue/green deploy through CodeDeploy → [integration tests in a temporary task].
/// </summary>
/// <remarks>
/// Needs a stack with a concrete account and region (bucket names, cross-account grants). It
/// creates neither the environments' deployment groups nor their roles: it refers to them by name.
/// </remarks>
public sealed class ServicePipeline : Construct
{
    /// <summary>The pipeline.</summary>
    public Amazon.CDK.AWS.CodePipeline.Pipeline Pipeline { get; }

    /// <summary>The artifact bucket (created or given).</summary>
    public IBucket ArtifactBucket { get; }

    /// <summary>The artifact key (created or given; null with SSE-S3 artifacts).</summary>
    public IKey? ArtifactKey { get; }

    /// <summary>The image repository (created or given).</summary>
    public IRepository Repository { get; }

    /// <summary>The CodeBuild projects.</summary>
    public BuildProjects Projects { get; }

    /// <summary>The topic approvers are emailed on (when any environment needs approval).</summary>
    public Topic? ApprovalTopic { get; }

    /// <summary>The key that encrypts the pipeline's SNS topics.</summary>
    public Key TopicKey { get; }

    /// <summary>The pipeline's service role.</summary>
    public Role Role { get; }

    /// <summary>Pipeline stage name of each environment's deployment (environment → stage).</summary>
    public IReadOnlyDictionary<string, string> DeployStages { get; }

    /// <summary>Names of the service (no environment).</summary>
    public ResourceNames Names { get; }

    /// <summary>The environments deployed to, in promotion order.</summary>
    public IReadOnlyList<DeploymentTarget> Environments { get; }

    private readonly ContainerSettings _container;

    /// <summary>Creates the pipeline.</summary>
    public ServicePipeline(Construct scope, string id, ServicePipelineProps props) : base(scope, id)
    {
        var v = new Validator();
        props.Validate(v, nameof(ServicePipelineProps));
        v.ThrowIfAny();
        var stack = Stack.Of(this);
        StackEnvironment.Require(this, nameof(ServicePipeline), "the environments' roles it assumes and the grants on its artifacts");

        Names = props.Names;
        Environments = props.Environments;
        _container = props.Container;
        var service = Names.Service;
        var tags = props.Tags ?? ConstructTags.Default(Names);
        var nist = props.Compliance == CompliancePack.Nist80053R5;
        var crossAccount = props.Environments.Any(e => e.Account != stack.Account);

        var accessLogs = SecureBucket.Create(this, "AccessLogs", new SecureBucketOptions
        {
            Name = Names.Bucket("access-logs", stack.Account),
            // Log objects are never overwritten: a noncurrent version is a deleted log, kept a day.
            NoncurrentVersionDays = 1,
            LifecycleRules = new ILifecycleRule[] { new LifecycleRule { Expiration = Duration.Days(90), AbortIncompleteMultipartUploadAfter = Duration.Days(1) } },
        });
        NagSuppressions.OnResource(accessLogs, "AwsSolutions-S1",
            "This bucket receives the server access logs of the artifact and cache buckets; logging it too would need another bucket without end.");
        if (nist)
        {
            NagSuppressions.OnResource(accessLogs, "NIST.800.53.R5-S3BucketLoggingEnabled",
                "This bucket receives the server access logs of the pipeline's other buckets; logging it too would need another bucket without end.");
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
            NagSuppressions.OnResource(accessLogs, "NIST.800.53.R5-S3DefaultEncryptionKMS",
                "S3 delivers server access logs only to a destination bucket encrypted with SSE-S3 (SSE-KMS is not supported for log destinations).");
        }

        var useKms = props.ArtifactEncryption switch
        {
            Slipway.Model.ArtifactEncryption.Kms => true,
            Slipway.Model.ArtifactEncryption.S3Managed => false,
            _ => crossAccount || nist,
        };
        ArtifactKey = props.ArtifactKey ?? props.ArtifactBucket?.EncryptionKey;
        if (ArtifactKey is null && props.ArtifactBucket is null && useKms)
        {
            ArtifactKey = new Key(this, "ArtifactKey", new KeyProps
            {
                Alias = SharedNames.ArtifactKeyAlias(Names),
                Description = $"Encrypts the {service} pipeline's artifacts and build output.",
                EnableKeyRotation = true,
                PendingWindow = Duration.Days(7),
                RemovalPolicy = RemovalPolicy.DESTROY,
            });
            // The build log groups use the stack's log key (Conventions/EncryptedLogGroup), which
            // admits CloudWatch Logs for exactly those groups.
        }
        if (crossAccount && ArtifactKey is null)
        {
            // https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html
            var foreign = props.Environments.First(e => e.Account != stack.Account);
            var why = props.ArtifactBucket is null
                ? "and ArtifactEncryption is S3Managed, so the artifacts are SSE-S3"
                : "and the given ArtifactBucket has no EncryptionKey, so the artifacts are SSE-S3";
            v.Add($"{nameof(ServicePipelineProps)}.{nameof(ServicePipelineProps.ArtifactKey)}", null,
                $"{why}, but environment \"{foreign.Name}\" is in account {foreign.Account}, which cannot read SSE-S3 artifacts through CodePipeline. " +
                (props.ArtifactBucket is null
                    ? "Remove ArtifactEncryption (KMS is the default across accounts) or set it to Kms."
                    : "Pass the bucket's KMS key as ArtifactKey, or leave ArtifactBucket unset so the pipeline creates a bucket and key."));
            v.ThrowIfAny();
        }

        ArtifactBucket = props.ArtifactBucket ?? SecureBucket.Create(this, "ArtifactBucket", new SecureBucketOptions
        {
            Name = SharedNames.ArtifactBucket(Names, stack.Account),
            EncryptionKey = ArtifactKey,
            AccessLogs = accessLogs,
            AccessLogsPrefix = "artifacts/",
            LifecycleRules = new ILifecycleRule[]
            {
                new LifecycleRule
                {
                    Id = "ExpireOldArtifacts",
                    NoncurrentVersionExpiration = Duration.Days(props.ArtifactNoncurrentVersionDays),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(7),
                    ExpiredObjectDeleteMarker = true,
                },
            },
        });

        Role = new Role(this, "Role", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", SharedNames.PipelineRole(Names)),
            AssumedBy = new ServicePrincipal("codepipeline.amazonaws.com"),
            Description = $"CodePipeline service role of the {service} pipeline.",
        });
        Guardrails.DenyTerminateInstances(Role);

        if (props.Repository is { } repository)
        {
            Repository = repository;
        }
        else
        {
            var created = new EcrRepository(this, "Repository", new RepositoryProps
            {
                RepositoryName = ResourceNames.Claim(this, "ECR repository", SharedNames.Repository(Names)),
                ImageScanOnPush = true,
                ImageTagMutability = TagMutability.IMMUTABLE,
                EmptyOnDelete = true,
                RemovalPolicy = RemovalPolicy.DESTROY,
                LifecycleRules = ImageLifecycleRules(props.Environments, props.ImageRetentionCount),
            });
            Repository = created;
            GrantCrossAccountPull(created, props.Environments);
        }

        Projects = new BuildProjects(this, "Builds", new BuildProjectsProps
        {
            Names = Names,
            Build = props.Build,
            Container = props.Container,
            Environments = props.Environments,
            Repository = Repository,
            EncryptionKey = ArtifactKey,
            AccessLogsBucket = accessLogs,
            Tags = tags,
        });

        TopicKey = new Key(this, "TopicKey", new KeyProps
        {
            Description = $"Encrypts the {service} pipeline's SNS topics.",
            EnableKeyRotation = true,
            PendingWindow = Duration.Days(7),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        Pipeline = new Amazon.CDK.AWS.CodePipeline.Pipeline(this, "Pipeline", new PipelineProps
        {
            PipelineName = ResourceNames.Claim(this, "pipeline", Names.Name("pipeline")),
            PipelineType = PipelineType.V2,
            // Queued: a second push waits instead of superseding a deployment in progress.
            ExecutionMode = ExecutionMode.QUEUED,
            ArtifactBucket = ArtifactBucket,
            Role = Role,
            RestartExecutionOnUpdate = false,
            Variables = new[] { RollbackOnAlarms },
        });

        var sourceOutput = new Artifact_("Source");
        var source = props.Source.Bind(new PipelineSourceBindOptions
        {
            Scope = this,
            Pipeline = Pipeline,
            Output = sourceOutput,
            VariablesNamespace = SourceNamespace,
            Names = Names,
            ActionRole = ActionRole,
            // The NIST 800-53 profile: KMS and server access logs on every bucket that allows them.
            EncryptionKey = nist ? ArtifactKey : null,
            AccessLogs = nist ? accessLogs : null,
        });
        var commitVariable = source.CommitVariable;
        WebhookSecret = source.WebhookSecret;

        var imageOutput = new Artifact_("Image");
        var buildActions = new List<IAction>();
        var imageInput = sourceOutput;
        if (Projects.Compile is { } compile)
        {
            imageInput = new Artifact_("Compiled");
            buildActions.Add(BuildAction("Compile", compile, sourceOutput, imageInput, commitVariable, runOrder: 1));
        }
        buildActions.Add(BuildAction("BuildImage", Projects.ImageBuild, imageInput, imageOutput, commitVariable,
            runOrder: buildActions.Count + 1, variablesNamespace: BuildNamespace));
        Pipeline.AddStage(new StageOptions { StageName = "Build", Actions = buildActions.ToArray() });

        var imageUri = $"#{{{BuildNamespace}.{BuildSpecs.ImageUriVariable}}}";
        var checks = new List<IAction>();
        if (Projects.UnitTests is { } unitTests)
        {
            checks.Add(BuildAction("UnitTests", unitTests, sourceOutput, null, commitVariable, runOrder: 1));
        }
        if (Projects.StaticAnalysis is { } sast)
        {
            checks.Add(BuildAction("StaticAnalysis", sast, sourceOutput, new Artifact_("StaticAnalysisReport"), commitVariable, runOrder: 1));
        }
        if (Projects.ImageScan is { } scan)
        {
            checks.Add(BuildAction("ImageScan", scan, sourceOutput, new Artifact_("ImageScanReport"), commitVariable, runOrder: 1,
                extra: new Dictionary<string, string> { [BuildSpecs.ImageUriVariable] = imageUri }));
        }
        if (checks.Count > 0)
        {
            // Same run order: the checks run in parallel.
            Pipeline.AddStage(new StageOptions { StageName = "Checks", Actions = checks.ToArray() });
        }

        var deployStages = new Dictionary<string, string>();
        DeploymentTarget? previous = null;
        foreach (var target in props.Environments)
        {
            var envNames = Names.ForEnvironment(target.Name);
            if (target.NeedsApproval)
            {
                ApprovalTopic ??= CreateApprovalTopic(props.ApprovalEmails);
                Pipeline.AddStage(new StageOptions
                {
                    StageName = $"Approve-{target.Name}",
                    Actions = new IAction[]
                    {
                        new ManualApprovalAction(new ManualApprovalActionProps
                        {
                            ActionName = "Approve",
                            NotificationTopic = ApprovalTopic,
                            Role = ApprovalRole,
                            AdditionalInformation =
                                $"Promote {service} commit #{{{SourceNamespace}.{commitVariable}}} (image {imageUri}) to {target.Name} " +
                                $"({target.Account}/{target.Region})." +
                                (previous is null ? "" : $" It is running in {previous.Name}: check it there before approving."),
                            ExternalEntityLink = previous is null ? null : LoadBalancerConsoleLink(previous),
                        }),
                    },
                });
            }

            var deployStage = $"Deploy-{target.Name}";
            deployStages[target.Name] = deployStage;
            // The promotion tag first, so the image is kept from the moment it is deployed; with it,
            // the alarm-rollback switch set from this execution's ROLLBACK_ON_ALARMS, and on again
            // once the deployment is over. Integration tests run inside the deployment (the environment's
            // traffic gate, before the traffic shift); only tests a team asks to run after the shift
            // are a pipeline action.
            var actions = new List<IAction>
            {
                PromoteAction(target, sourceOutput),
                AlarmRollbackAction(target, envNames, sourceOutput, restore: false),
                DeployAction(target, envNames, imageOutput),
                AlarmRollbackAction(target, envNames, sourceOutput, restore: true),
            };
            if (target.IntegrationTests is { GateTraffic: false } tests)
            {
                actions.Add(IntegrationTestAction(target, envNames, tests, sourceOutput));
            }
            Pipeline.AddStage(new StageOptions { StageName = deployStage, Actions = actions.ToArray() });
            previous = target;
        }
        DeployStages = deployStages;

        SuppressPipelineFindings();
        // CDK's grants to the environments' deploy roles (the CodeDeploy action reads the artifact
        // bucket and key) name them as principals; recreated roles would lose access.
        RolePrincipals.ApplyTo(this);
        tags.ApplyTo(this);
    }

    /// <summary>Promoted images kept per environment by the lifecycle policy.</summary>
    public const int PromotedImagesKept = 5;

    /// <summary>The tag prefix of the images promoted into <paramref name="environment"/>.</summary>
    public static string PromotionTagPrefix(string environment) => environment + BuildSpecs.PromotionTagSeparator;

    // "Keep the last N images" alone can expire the image an environment runs: approvals hold
    // production back while newer builds arrive. Each deployment first tags its image
    // ENVIRONMENT.IMAGE_TAG (BuildSpecs.PromoteImage), and one rule per environment, ahead of the
    // count rule, keeps that environment's last PromotedImagesKept promoted images: the running
    // one and those it may roll back to. An image that matches the tag filter of a rule cannot be
    // expired by a rule of lower priority (higher rulePriority), and the tagStatus "any" rule must
    // come last (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html,
    // https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html).
    // Environment names never contain the separator, so no prefix matches another environment's tags.
    private static Amazon.CDK.AWS.ECR.ILifecycleRule[] ImageLifecycleRules(IReadOnlyList<DeploymentTarget> environments, int retentionCount) =>
        environments.Select((e, i) => (Amazon.CDK.AWS.ECR.ILifecycleRule)new Amazon.CDK.AWS.ECR.LifecycleRule
            {
                RulePriority = i + 1,
                Description = $"Keep the last {PromotedImagesKept} images promoted into {e.Name}",
                TagStatus = TagStatus.TAGGED,
                TagPrefixList = new[] { PromotionTagPrefix(e.Name) },
                MaxImageCount = PromotedImagesKept,
            })
            .Append(new Amazon.CDK.AWS.ECR.LifecycleRule
            {
                RulePriority = environments.Count + 1,
                Description = $"Keep the last {retentionCount} images",
                MaxImageCount = retentionCount,
                TagStatus = TagStatus.ANY,
            })
            .ToArray();

    /// <summary>The variables namespace of the source action.</summary>
    public const string SourceNamespace = "Source";

    /// <summary>The variables namespace of the image build action.</summary>
    public const string BuildNamespace = "Build";

    /// <summary>The secret GitHub signs webhook deliveries with (OAuth-token sources only).</summary>
    public ISecret? WebhookSecret { get; }

    private Role ActionRole(string id, string resource) =>
        new(this, id, new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", Names.Role(resource)),
            AssumedBy = Role,
            Description = $"Runs the {resource} action of the {Names.Service} pipeline.",
        });

    private static CodeBuildAction BuildAction(string name, IProject project, Artifact_ input, Artifact_? output, string commitVariable,
        int runOrder, string? variablesNamespace = null, IDictionary<string, string>? extra = null)
    {
        var variables = new Dictionary<string, IBuildEnvironmentVariable>
        {
            [BuildSpecs.CommitVariable] = new BuildEnvironmentVariable { Value = $"#{{{SourceNamespace}.{commitVariable}}}" },
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            variables[key] = new BuildEnvironmentVariable { Value = value };
        }
        return new CodeBuildAction(new CodeBuildActionProps
        {
            ActionName = name,
            Project = project,
            Input = input,
            Outputs = output is null ? null : new[] { output },
            EnvironmentVariables = variables,
            RunOrder = runOrder,
            VariablesNamespace = variablesNamespace,
        });
    }

    private IAction DeployAction(DeploymentTarget target, ResourceNames envNames, Artifact_ imageOutput)
    {
        // Everything in the environment is referred to by its deterministic name and account:
        // CloudFormation cannot reference another account's resources.
        var application = EcsApplication.FromEcsApplicationArn(this, $"{ResourceNames.Pascal(target.Name)}Application",
            // Literal partition: CDK reads the application's account and region from this ARN.
            $"arn:{Partitions.OfRegion(target.Region)}:codedeploy:{target.Region}:{target.Account}:application:{SharedNames.DeployApplication(envNames)}");
        var deploymentGroup = EcsDeploymentGroup.FromEcsDeploymentGroupAttributes(this, $"{ResourceNames.Pascal(target.Name)}DeploymentGroup", new EcsDeploymentGroupAttributes
        {
            Application = application,
            DeploymentGroupName = SharedNames.DeploymentGroup(envNames),
        });
        var role = Amazon.CDK.AWS.IAM.Role.FromRoleArn(this, $"{ResourceNames.Pascal(target.Name)}DeployRole",
            SharedNames.RoleArn(Partitions.OfRegion(target.Region), target.Account, SharedNames.DeployRole(envNames)), new FromRoleArnOptions { Mutable = false });
        return new CodeDeployEcsDeployAction(new CodeDeployEcsDeployActionProps
        {
            ActionName = "Deploy",
            DeploymentGroup = deploymentGroup,
            TaskDefinitionTemplateFile = imageOutput.AtPath(DeploymentFiles.TaskDefinitionFile(target.Name)),
            AppSpecTemplateFile = imageOutput.AtPath(DeploymentFiles.AppSpecFile(target.Name)),
            ContainerImageInputs = new ICodeDeployEcsContainerImageInput[]
            {
                new CodeDeployEcsContainerImageInput { Input = imageOutput, TaskDefinitionPlaceholder = DeploymentFiles.ImagePlaceholder },
            },
            Role = role,
            RunOrder = 2,
        });
    }

    /// <summary>The pipeline variable that decides, per execution, whether the rollback alarms can stop and roll back its deployments.</summary>
    public const string RollbackOnAlarmsVariable = "ROLLBACK_ON_ALARMS";

    /// <summary>
    /// <c>ROLLBACK_ON_ALARMS</c> (default <c>true</c>): start an execution with <c>false</c> to deploy
    /// a hotfix while the rollback alarms fire (<c>aws codepipeline start-pipeline-execution
    /// --variables name=ROLLBACK_ON_ALARMS,value=false</c>). Pipeline variables are values of one
    /// execution (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html#reference-variables-levels).
    /// </summary>
    public Variable RollbackOnAlarms { get; } = new(new VariableProps
    {
        VariableName = RollbackOnAlarmsVariable,
        DefaultValue = "true",
        Description = "false deploys this execution without alarm-based rollback (a hotfix while the rollback alarms fire); failed deployments still roll back.",
    });

    // Runs alarm-rollback.sh in the environment's account through its alarm-rollback role. The
    // CodeDeployToECS action cannot pass CreateDeployment's overrideAlarmConfiguration, so the
    // switch sets the deployment group's AlarmConfiguration.Enabled before the deployment (from
    // this execution's variable) and sets it back after (see the script).
    private IAction AlarmRollbackAction(DeploymentTarget target, ResourceNames envNames, Artifact_ sourceOutput, bool restore)
    {
        var variables = new Dictionary<string, string>
        {
            ["SWITCH_MODE"] = restore ? "restore" : "apply",
            ["TARGET_ROLE_ARN"] = SharedNames.RoleArn(Partitions.OfRegion(target.Region), target.Account, SharedNames.AlarmRollbackRole(envNames)),
            ["TARGET_REGION"] = target.Region,
            ["APPLICATION_NAME"] = SharedNames.DeployApplication(envNames),
            ["DEPLOYMENT_GROUP"] = SharedNames.DeploymentGroup(envNames),
            ["ENVIRONMENT_NAME"] = target.Name,
            ["PIPELINE_NAME"] = Names.Name("pipeline"),
            ["PIPELINE_EXECUTION_ID"] = "#{codepipeline.PipelineExecutionId}",
        };
        if (!restore)
        {
            variables["ROLLBACK_ON_ALARMS"] = RollbackOnAlarms.Reference();
        }
        return new CodeBuildAction(new CodeBuildActionProps
        {
            ActionName = restore ? "RestoreAlarmRollback" : "AlarmRollback",
            Project = Projects.AlarmRollback,
            // CodeBuild actions need an input artifact; the commands do not read it.
            Input = sourceOutput,
            EnvironmentVariables = variables.ToDictionary(kv => kv.Key, kv => (IBuildEnvironmentVariable)new BuildEnvironmentVariable { Value = kv.Value }),
            RunOrder = restore ? 3 : 1,
        });
    }

    private IAction PromoteAction(DeploymentTarget target, Artifact_ sourceOutput) =>
        new CodeBuildAction(new CodeBuildActionProps
        {
            ActionName = "TagImage",
            Project = Projects.PromoteImage,
            // CodeBuild actions need an input artifact; the commands do not read it.
            Input = sourceOutput,
            EnvironmentVariables = new Dictionary<string, IBuildEnvironmentVariable>
            {
                ["IMAGE_TAG"] = new BuildEnvironmentVariable { Value = $"#{{{BuildNamespace}.IMAGE_TAG}}" },
                ["ENVIRONMENT_NAME"] = new BuildEnvironmentVariable { Value = target.Name },
            },
            RunOrder = 1,
        });

    private IAction IntegrationTestAction(DeploymentTarget target, ResourceNames envNames, IntegrationTestSettings tests, Artifact_ sourceOutput)
    {
        var variables = new Dictionary<string, string>
        {
            ["TARGET_ROLE_ARN"] = SharedNames.RoleArn(Partitions.OfRegion(target.Region), target.Account, SharedNames.IntegrationTestRole(envNames)),
            ["TARGET_REGION"] = target.Region,
            ["PARAMETER_PATH"] = envNames.ParameterPath("").TrimEnd('/'),
            ["CONTAINER_NAME"] = _container.ContainerName,
            ["TEST_COMMAND_JSON"] = System.Text.Json.JsonSerializer.Serialize(tests.Command),
            ["LOG_GROUP"] = SharedNames.LogGroup(envNames),
            ["TIMEOUT_MINUTES"] = tests.TimeoutMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new CodeBuildAction(new CodeBuildActionProps
        {
            ActionName = "IntegrationTests",
            Project = Projects.IntegrationTests!,
            Input = sourceOutput,
            EnvironmentVariables = variables.ToDictionary(kv => kv.Key, kv => (IBuildEnvironmentVariable)new BuildEnvironmentVariable { Value = kv.Value }),
            RunOrder = 3,
        });
    }

    private Role? _approvalRole;

    // The approval action publishes to a topic encrypted with the pipeline's key, so its role
    // needs the key too (CDK's grantPublish grants sns:Publish only):
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
    private Role ApprovalRole
    {
        get
        {
            if (_approvalRole is null)
            {
                _approvalRole = ActionRole("ApprovalRole", "approve");
                TopicKey.Grant(_approvalRole, "kms:Decrypt", "kms:GenerateDataKey*");
            }
            return _approvalRole;
        }
    }

    private Topic CreateApprovalTopic(IReadOnlyList<string> emails)
    {
        var topic = new Topic(this, "ApprovalTopic", new TopicProps
        {
            TopicName = ResourceNames.Claim(this, "SNS topic", Names.Name("approvals", 256)),
            DisplayName = $"{Names.Service} approvals",
            MasterKey = TopicKey,
            EnforceSSL = true,
        });
        foreach (var email in emails)
        {
            topic.AddSubscription(new EmailSubscription(email));
        }
        return topic;
    }

    private string LoadBalancerConsoleLink(DeploymentTarget target) =>
        // The URL itself lives in the other account; its load balancer's name starts with a fixed
        // prefix (the hash after it changes when the load balancer is replaced: ReplaceableNames).
        $"https://{target.Region}.console.aws.amazon.com/ec2/home?region={target.Region}#LoadBalancers:search=" +
        ReplaceableNames.LoadBalancerPrefix(Names.ForEnvironment(target.Name));

    private void GrantCrossAccountPull(EcrRepository repository, IReadOnlyList<DeploymentTarget> environments)
    {
        var foreign = environments.Where(e => e.Account != Stack.Of(this).Account).ToArray();
        if (foreign.Length == 0)
        {
            return;
        }
        // Exactly the environments' task execution roles may pull, nothing wider; named by
        // account and aws:PrincipalArn so a recreated runtime stack's role can still pull (RolePrincipals).
        var roles = foreign.Select(e => SharedNames.RoleArn(Partitions.OfRegion(e.Region), e.Account, SharedNames.ExecutionRole(Names.ForEnvironment(e.Name)))).ToArray();
        repository.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PullFromEnvironmentAccounts",
            Principals = RolePrincipals.Of(roles),
            Actions = new[] { "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage" },
            Conditions = RolePrincipals.Condition(roles),
        }));
    }

    private void SuppressPipelineFindings()
    {
        // Every role that touches artifacts gets CDK's grant on the artifact bucket's objects
        // (object keys are generated per execution), and on the key with GenerateDataKey*/ReEncrypt*.
        NagSuppressions.OnTree(this, "AwsSolutions-IAM5",
            "CDK grants on this pipeline's own artifact bucket objects (keys generated per execution) and its own key; nothing outside the pipeline's resources.",
            ArtifactBucket.Node.DefaultChild is null ? $"Resource::{ArtifactBucket.BucketArn}/*" : $"Resource::{NagSuppressions.Ref(ArtifactBucket, "Arn")}/*", "Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*",
            "Action::s3:DeleteObject*", "Action::s3:Abort*", "Action::kms:ReEncrypt*", "Action::kms:GenerateDataKey*");
    }

}
