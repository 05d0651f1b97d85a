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
    /// <summary>The service.</summary>
    public required ServiceDefinition Definition { get; init; }

    /// <summary>The environment suffix of physical names.</summary>
    public required string Suffix { get; init; }
}

/// <summary>
/// A service's delivery pipeline (CodePipeline V2, queued executions): source → image build →
/// checks in parallel (unit tests, static analysis, image scan) → for each environment, in order:
/// [approval] → blue/green deploy through CodeDeploy → [integration tests in a temporary task].
/// </summary>
public sealed class ServicePipeline : Construct
{
    /// <summary>The pipeline.</summary>
    public Amazon.CDK.AWS.CodePipeline.Pipeline Pipeline { get; }

    /// <summary>The artifact bucket.</summary>
    public Bucket ArtifactBucket { get; }

    /// <summary>The artifact key (cross-account or when asked).</summary>
    public Key? ArtifactKey { get; }

    /// <summary>The image repository.</summary>
    public EcrRepository Repository { get; }

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

    /// <summary>The service.</summary>
    public ServiceDefinition Definition { get; }

    /// <summary>Creates the pipeline.</summary>
    public ServicePipeline(Construct scope, string id, ServicePipelineProps props) : base(scope, id)
    {
        var definition = props.Definition;
        var v = new Validator();
        definition.Validate(v, "service");
        v.ThrowIfAny();

        Definition = definition;
        Names = definition.Names(props.Suffix);
        var stack = Stack.Of(this);
        // Read once: every property read is a round trip to the JavaScript runtime.
        var (account, region) = (stack.Account, stack.Region);

        var accessLogs = SecureBucket.Create(this, "AccessLogs", new SecureBucketOptions
        {
            Name = Names.Bucket("access-logs", stack.Account),
            // Log objects are never overwritten: a noncurrent version is a deleted log, kept a day.
            NoncurrentVersionDays = 1,
            LifecycleRules = new ILifecycleRule[] { new LifecycleRule { Expiration = Duration.Days(90), AbortIncompleteMultipartUploadAfter = Duration.Days(1) } },
        });
        NagSuppressions.OnResource(accessLogs, "AwsSolutions-S1",
            "This bucket receives the server access logs of the artifact and cache buckets; logging it too would need another bucket without end.");
        if (definition.Compliance == CompliancePack.Nist80053R5)
        {
            NagSuppressions.OnResource(accessLogs, "NIST.800.53.R5-S3BucketLoggingEnabled",
                "This bucket receives the server access logs of the pipeline's other buckets; logging it too would need another bucket without end.");
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
            NagSuppressions.OnResource(accessLogs, "NIST.800.53.R5-S3DefaultEncryptionKMS",
                "S3 delivers server access logs only to a destination bucket encrypted with SSE-S3 (SSE-KMS is not supported for log destinations).");
        }

        _accessLogs = accessLogs;
        if (definition.ArtifactsUseKms)
        {
            ArtifactKey = new Key(this, "ArtifactKey", new KeyProps
            {
                Alias = SharedNames.ArtifactKeyAlias(Names),
                Description = $"Encrypts the {definition.Name} pipeline's artifacts and build output.",
                EnableKeyRotation = true,
                PendingWindow = Duration.Days(7),
                RemovalPolicy = RemovalPolicy.DESTROY,
            });
            // The build log groups use the stack's log key (Conventions/EncryptedLogGroup), which
            // admits CloudWatch Logs for exactly those groups.
        }

        ArtifactBucket = SecureBucket.Create(this, "ArtifactBucket", new SecureBucketOptions
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
                    NoncurrentVersionExpiration = Duration.Days(definition.ArtifactNoncurrentVersionDays),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(7),
                    ExpiredObjectDeleteMarker = true,
                },
            },
        });

        Role = new Role(this, "Role", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", SharedNames.PipelineRole(Names)),
            AssumedBy = new ServicePrincipal("codepipeline.amazonaws.com"),
            Description = $"CodePipeline service role of the {definition.Name} pipeline.",
        });
        Guardrails.DenyTerminateInstances(Role);

        Repository = new EcrRepository(this, "Repository", new RepositoryProps
        {
            RepositoryName = ResourceNames.Claim(this, "ECR repository", SharedNames.Repository(Names)),
            ImageScanOnPush = true,
            ImageTagMutability = TagMutability.IMMUTABLE,
            EmptyOnDelete = true,
            RemovalPolicy = RemovalPolicy.DESTROY,
            LifecycleRules = ImageLifecycleRules(definition),
        });
        GrantCrossAccountPull(definition);

        Projects = new BuildProjects(this, "Builds", new BuildProjectsProps
        {
            Definition = definition,
            Names = Names,
            Repository = Repository,
            EncryptionKey = ArtifactKey,
            AccessLogsBucket = accessLogs,
        });

        TopicKey = new Key(this, "TopicKey", new KeyProps
        {
            Description = $"Encrypts the {definition.Name} pipeline's SNS topics.",
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
        var (sourceAction, commitVariable) = SourceAction(definition.Source, sourceOutput);
        Pipeline.AddStage(new StageOptions { StageName = "Source", Actions = new[] { sourceAction } });
        if (definition.Source is GitHubTokenSource)
        {
            UseGeneratedWebhookSecret();
        }

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
        foreach (var target in definition.Environments)
        {
            var envNames = Names.ForEnvironment(target.Name);
            if (target.NeedsApproval)
            {
                ApprovalTopic ??= CreateApprovalTopic(definition);
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
                                $"Promote {definition.Name} commit #{{{SourceNamespace}.{commitVariable}}} (image {imageUri}) to {target.Name} " +
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
    private static Amazon.CDK.AWS.ECR.ILifecycleRule[] ImageLifecycleRules(ServiceDefinition definition) =>
        definition.Environments.Select((e, i) => (Amazon.CDK.AWS.ECR.ILifecycleRule)new Amazon.CDK.AWS.ECR.LifecycleRule
            {
                RulePriority = i + 1,
                Description = $"Keep the last {PromotedImagesKept} images promoted into {e.Name}",
                TagStatus = TagStatus.TAGGED,
                TagPrefixList = new[] { PromotionTagPrefix(e.Name) },
                MaxImageCount = PromotedImagesKept,
            })
            .Append(new Amazon.CDK.AWS.ECR.LifecycleRule
            {
                RulePriority = definition.Environments.Count + 1,
                Description = $"Keep the last {definition.ImageRetentionCount} images",
                MaxImageCount = definition.ImageRetentionCount,
                TagStatus = TagStatus.ANY,
            })
            .ToArray();

    /// <summary>The variables namespace of the source action.</summary>
    public const string SourceNamespace = "Source";

    /// <summary>The variables namespace of the image build action.</summary>
    public const string BuildNamespace = "Build";

    private (IAction Action, string CommitVariable) SourceAction(PipelineSource source, Artifact_ output)
    {
        switch (source)
        {
            case GitHubConnectionSource gh:
            {
                var role = ActionRole("SourceRole", "source");
                // Connections created after mid-2024 have codeconnections ARNs; the action checks
                // the permission under both service prefixes.
                role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "UseConnection",
                    Actions = new[] { "codestar-connections:UseConnection", "codeconnections:UseConnection" },
                    Resources = new[] { gh.ConnectionArn },
                }));
                return (new CodeStarConnectionsSourceAction(new CodeStarConnectionsSourceActionProps
                {
                    ActionName = "GitHub",
                    Owner = gh.Owner,
                    Repo = gh.Repository,
                    Branch = gh.Branch,
                    ConnectionArn = gh.ConnectionArn,
                    Output = output,
                    TriggerOnPush = true,
                    Role = role,
                    VariablesNamespace = SourceNamespace,
                }), "CommitId");
            }
            case GitHubTokenSource token:
                return (new GitHubSourceAction(new GitHubSourceActionProps
                {
                    ActionName = "GitHub",
                    Owner = token.Owner,
                    Repo = token.Repository,
                    Branch = token.Branch,
                    // A dynamic reference: the token is resolved by CloudFormation, never stored in the template.
                    OauthToken = SecretValue.SecretsManager(token.TokenSecretName),
                    Trigger = GitHubTrigger.WEBHOOK,
                    Output = output,
                    VariablesNamespace = SourceNamespace,
                }), "CommitId");
            case CodeCommitSource cc:
            {
                var repository = cc.Create
                    ? new CodeCommitRepository(this, "SourceRepository", new Amazon.CDK.AWS.CodeCommit.RepositoryProps
                    {
                        RepositoryName = ResourceNames.Claim(this, "CodeCommit repository", cc.RepositoryName),
                        Description = $"Source of {Names.Service} (created by Slipway).",
                    })
                    : CodeCommitRepository.FromRepositoryName(this, "SourceRepository", cc.RepositoryName);
                if (repository is CodeCommitRepository created)
                {
                    created.ApplyRemovalPolicy(RemovalPolicy.DESTROY);
                }
                return (new CodeCommitSourceAction(new CodeCommitSourceActionProps
                {
                    ActionName = "CodeCommit",
                    Repository = repository,
                    Branch = cc.Branch,
                    Trigger = CodeCommitTrigger.EVENTS,
                    Output = output,
                    VariablesNamespace = SourceNamespace,
                }), "CommitId");
            }
            case S3Source s3:
            {
                var bucket = s3.BucketName is { } name
                    ? Bucket.FromBucketName(this, "SourceBucket", name)
                    : SecureBucket.Create(this, "SourceBucket", new SecureBucketOptions
                    {
                        Name = Names.Bucket("source", Stack.Of(this).Account),
                        EventBridge = true,
                        // The NIST 800-53 profile: KMS and server access logs on every bucket that allows them.
                        EncryptionKey = Definition.Compliance == CompliancePack.Nist80053R5 ? ArtifactKey : null,
                        AccessLogs = Definition.Compliance == CompliancePack.Nist80053R5 ? _accessLogs : null,
                        AccessLogsPrefix = "source/",
                        LifecycleRules = new ILifecycleRule[] { new LifecycleRule { NoncurrentVersionExpiration = Duration.Days(30), AbortIncompleteMultipartUploadAfter = Duration.Days(1) } },
                    });
                if (bucket is Bucket createdBucket)
                {
                    NagSuppressions.OnResource(createdBucket, "AwsSolutions-S1",
                        "Source uploads are recorded by CloudTrail data events where required; the bucket holds only source archives the pipeline reads.");
                    // EventBridgeEnabled is applied by CDK's singleton bucket-notifications function.
                    var handler = Stack.Of(this).Node.FindAll().First(c => c.Node.Id.StartsWith("BucketNotificationsHandler", StringComparison.Ordinal));
                    NagSuppressions.OnTree(handler, "AwsSolutions-IAM5",
                        "CDK's bucket-notifications function calls s3:PutBucketNotification, which it grants on * (CDK-owned code and role).", "Resource::*");
                    NagSuppressions.OnTree(handler, "AwsSolutions-L1",
                        "CDK's bucket-notifications function: its runtime is set by the CDK version, not by Slipway.");
                }
                // Start on every new version of the key, through S3's EventBridge notifications
                // (the bucket must have them on; created buckets do).
                new Rule(this, "SourceTrigger", new RuleProps
                {
                    Description = $"Starts the {Names.Service} pipeline when s3://{s3.BucketName ?? "(source bucket)"}/{s3.ObjectKey} changes.",
                    EventPattern = new EventPattern
                    {
                        Source = new[] { "aws.s3" },
                        DetailType = new[] { "Object Created" },
                        Detail = new Dictionary<string, object>
                        {
                            ["bucket"] = new Dictionary<string, object> { ["name"] = new[] { bucket.BucketName } },
                            ["object"] = new Dictionary<string, object> { ["key"] = new[] { s3.ObjectKey } },
                        },
                    },
                    Targets = new IRuleTarget[] { new Amazon.CDK.AWS.Events.Targets.CodePipeline(Pipeline) },
                });
                return (new S3SourceAction(new S3SourceActionProps
                {
                    ActionName = "S3",
                    Bucket = bucket,
                    BucketKey = s3.ObjectKey,
                    Trigger = S3Trigger.NONE,
                    Output = output,
                    VariablesNamespace = SourceNamespace,
                }), "VersionId");
            }
            default:
                throw new ArgumentException($"Unknown source kind {source.GetType().Name}.");
        }
    }

    private readonly Bucket _accessLogs;

    /// <summary>The secret GitHub signs webhook deliveries with (OAuth-token sources only).</summary>
    public Secret? WebhookSecret { get; private set; }

    // CDK's GitHubSourceAction binds an AWS::CodePipeline::Webhook whose GITHUB_HMAC SecretToken is
    // the OAuth token itself (aws-cdk-lib/aws-codepipeline-actions/lib/github/source-action.ts:
    // authenticationConfiguration.secretToken = oauthToken), which CodePipeline then registers with
    // GitHub: every repository admin could read the token from the webhook settings. The webhook
    // gets its own generated secret instead, referenced dynamically so no template holds it.
    private void UseGeneratedWebhookSecret()
    {
        var webhook = Pipeline.Node.FindAll().OfType<CfnResource>().Single(r => r.CfnResourceType == "AWS::CodePipeline::Webhook");
        WebhookSecret = new Secret(this, "WebhookSecret", new SecretProps
        {
            Description = $"Signs the GitHub webhook deliveries of the {Names.Service} pipeline (generated; not the OAuth token).",
            // CodePipeline's SecretToken is at most 100 characters; no punctuation keeps it URL- and shell-safe.
            GenerateSecretString = new SecretStringGenerator { PasswordLength = 64, ExcludePunctuation = true },
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        webhook.AddPropertyOverride("AuthenticationConfiguration.SecretToken", WebhookSecret.SecretValue.UnsafeUnwrap());
        NagSuppressions.OnResource(WebhookSecret, "AwsSolutions-SMG4",
            "The webhook secret is handed to GitHub when CodePipeline registers the webhook; a new value must be registered again (a stack update), which a rotation function cannot do.");
    }

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
            ["CONTAINER_NAME"] = Definition.Container.ContainerName,
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

    private Topic CreateApprovalTopic(ServiceDefinition definition)
    {
        var topic = new Topic(this, "ApprovalTopic", new TopicProps
        {
            TopicName = ResourceNames.Claim(this, "SNS topic", Names.Name("approvals", 256)),
            DisplayName = $"{definition.Name} approvals",
            MasterKey = TopicKey,
            EnforceSSL = true,
        });
        foreach (var email in definition.Notifications.ApprovalEmails)
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

    private void GrantCrossAccountPull(ServiceDefinition definition)
    {
        var foreign = definition.Environments.Where(e => e.Account != Stack.Of(this).Account).ToArray();
        if (foreign.Length == 0)
        {
            return;
        }
        // Exactly the environments' task execution roles may pull, nothing wider; named by
        // account and aws:PrincipalArn so a recreated runtime stack's role can still pull (RolePrincipals).
        var roles = foreign.Select(e => SharedNames.RoleArn(Partitions.OfRegion(e.Region), e.Account, SharedNames.ExecutionRole(Names.ForEnvironment(e.Name)))).ToArray();
        Repository.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
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
            $"Resource::{NagSuppressions.Ref(ArtifactBucket, "Arn")}/*", "Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*",
            "Action::s3:DeleteObject*", "Action::s3:Abort*", "Action::kms:ReEncrypt*", "Action::kms:GenerateDataKey*");
    }

}
