using Amazon.CDK;
using Amazon.CDK.AWS.CodeCommit;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.CodePipeline.Actions;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Slipway.Conventions;
using ILifecycleRule = Amazon.CDK.AWS.S3.ILifecycleRule;
using LifecycleRule = Amazon.CDK.AWS.S3.LifecycleRule;
using CodeCommitRepository = Amazon.CDK.AWS.CodeCommit.Repository;

namespace Slipway.Model;

/// <summary>What a <see cref="PipelineSource"/> needs to add its source stage to a pipeline.</summary>
public sealed class PipelineSourceBindOptions
{
    /// <summary>Where the source creates what it needs (role, repository, bucket, trigger, webhook secret).</summary>
    public required Construct Scope { get; init; }

    /// <summary>The pipeline the source stage is added to (as its first stage).</summary>
    public required Amazon.CDK.AWS.CodePipeline.Pipeline Pipeline { get; init; }

    /// <summary>The artifact the source action writes.</summary>
    public required Artifact_ Output { get; init; }

    /// <summary>The source action's variables namespace.</summary>
    public required string VariablesNamespace { get; init; }

    /// <summary>Names of the service (no environment).</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>Makes the role of one pipeline action: (construct id, resource name) → role assumed by the pipeline's role.</summary>
    public required Func<string, string, IRole> ActionRole { get; init; }

    /// <summary>The key of a created source bucket.</summary>
    /// <remarks>Default: SSE-S3.</remarks>
    public IKey? EncryptionKey { get; init; }

    /// <summary>Where a created source bucket logs its server access.</summary>
    /// <remarks>Default: no server access logs.</remarks>
    public IBucket? AccessLogs { get; init; }
}

/// <summary>The source action a <see cref="PipelineSource"/> added.</summary>
/// <param name="Action">The action in the Source stage.</param>
/// <param name="CommitVariable">The action's variable that identifies the revision (CommitId, or VersionId for S3).</param>
/// <param name="WebhookSecret">The secret GitHub signs webhook deliveries with (OAuth-token sources only).</param>
public sealed record PipelineSourceBinding(IAction Action, string CommitVariable, ISecret? WebhookSecret = null);

/// <summary>Where the pipeline gets the service's source. One of four kinds.</summary>
public abstract record PipelineSource
{
    /// <summary>The branch (or, for S3, the object key) that triggers the pipeline.</summary>
    public abstract string Describe();

    /// <summary>The name of the pipeline stage a source adds.</summary>
    public const string StageName = "Source";

    /// <summary>
    /// Creates this source's action, and whatever it needs, and adds it to
    /// <see cref="PipelineSourceBindOptions.Pipeline"/> as the <see cref="StageName"/> stage.
    /// </summary>
    public PipelineSourceBinding Bind(PipelineSourceBindOptions options)
    {
        var binding = CreateAction(options);
        options.Pipeline.AddStage(new StageOptions { StageName = StageName, Actions = new[] { binding.Action } });
        return AfterStageAdded(options, binding);
    }

    /// <summary>The source action and what it needs (the stage is added by <see cref="Bind"/>).</summary>
    protected abstract PipelineSourceBinding CreateAction(PipelineSourceBindOptions options);

    /// <summary>Runs once the action is in the pipeline (CDK binds an action's own resources then).</summary>
    protected virtual PipelineSourceBinding AfterStageAdded(PipelineSourceBindOptions options, PipelineSourceBinding binding) => binding;
}

/// <summary>
/// GitHub through a CodeStar/CodeConnections connection (recommended). The connection must be
/// created and its handshake completed in the console once; pass its ARN.
/// </summary>
/// <param name="Owner">The GitHub user or organization.</param>
/// <param name="Repository">The repository name.</param>
/// <param name="ConnectionArn">arn:aws:codestar-connections:... or arn:aws:codeconnections:...</param>
/// <param name="Branch">The branch that triggers the pipeline.</param>
[ManifestName("github")]
public sealed record GitHubConnectionSource(string Owner, string Repository, string ConnectionArn, string Branch = "main") : PipelineSource
{
    /// <inheritdoc />
    public override string Describe() => $"GitHub {Owner}/{Repository}@{Branch} (connection)";

    /// <inheritdoc />
    protected override PipelineSourceBinding CreateAction(PipelineSourceBindOptions options)
    {
        var role = options.ActionRole("SourceRole", "source");
        // Connections created after mid-2024 have codeconnections ARNs; the action checks
        // the permission under both service prefixes.
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "UseConnection",
            Actions = new[] { "codestar-connections:UseConnection", "codeconnections:UseConnection" },
            Resources = new[] { ConnectionArn },
        }));
        return new(new CodeStarConnectionsSourceAction(new CodeStarConnectionsSourceActionProps
        {
            ActionName = "GitHub",
            Owner = Owner,
            Repo = Repository,
            Branch = Branch,
            ConnectionArn = ConnectionArn,
            Output = options.Output,
            TriggerOnPush = true,
            Role = role,
            VariablesNamespace = options.VariablesNamespace,
        }), "CommitId");
    }
}

/// <summary>
/// GitHub with a personal access (OAuth) token read from Secrets Manager (legacy; prefer a
/// connection). The secret holds the token as plain text; it never appears in a template.
/// </summary>
/// <param name="Owner">The GitHub user or organization.</param>
/// <param name="Repository">The repository name.</param>
/// <param name="TokenSecretName">The Secrets Manager secret holding the token.</param>
/// <param name="Branch">The branch that triggers the pipeline.</param>
[ManifestName("githubToken")]
public sealed record GitHubTokenSource(string Owner, string Repository, [ManifestName("tokenSecret")] string TokenSecretName = "github-token", string Branch = "main") : PipelineSource
{
    /// <inheritdoc />
    public override string Describe() => $"GitHub {Owner}/{Repository}@{Branch} (token secret \"{TokenSecretName}\")";

    /// <inheritdoc />
    protected override PipelineSourceBinding CreateAction(PipelineSourceBindOptions options) =>
        new(new GitHubSourceAction(new GitHubSourceActionProps
        {
            ActionName = "GitHub",
            Owner = Owner,
            Repo = Repository,
            Branch = Branch,
            // A dynamic reference: the token is resolved by CloudFormation, never stored in the template.
            OauthToken = SecretValue.SecretsManager(TokenSecretName),
            Trigger = GitHubTrigger.WEBHOOK,
            Output = options.Output,
            VariablesNamespace = options.VariablesNamespace,
        }), "CommitId");

    // CDK's GitHubSourceAction binds an AWS::CodePipeline::Webhook whose GITHUB_HMAC SecretToken is
    // the OAuth token itself (aws-cdk-lib/aws-codepipeline-actions/lib/github/source-action.ts:
    // authenticationConfiguration.secretToken = oauthToken), which CodePipeline then registers with
    // GitHub: every repository admin could read the token from the webhook settings. The webhook
    // gets its own generated secret instead, referenced dynamically so no template holds it.
    /// <inheritdoc />
    protected override PipelineSourceBinding AfterStageAdded(PipelineSourceBindOptions options, PipelineSourceBinding binding)
    {
        var webhook = options.Pipeline.Node.FindAll().OfType<CfnResource>().Single(r => r.CfnResourceType == "AWS::CodePipeline::Webhook");
        var secret = new Secret(options.Scope, "WebhookSecret", new SecretProps
        {
            Description = $"Signs the GitHub webhook deliveries of the {options.Names.Service} pipeline (generated; not the OAuth token).",
            // CodePipeline's SecretToken is at most 100 characters; no punctuation keeps it URL- and shell-safe.
            GenerateSecretString = new SecretStringGenerator { PasswordLength = 64, ExcludePunctuation = true },
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        webhook.AddPropertyOverride("AuthenticationConfiguration.SecretToken", secret.SecretValue.UnsafeUnwrap());
        NagSuppressions.OnResource(secret, "AwsSolutions-SMG4",
            "The webhook secret is handed to GitHub when CodePipeline registers the webhook; a new value must be registered again (a stack update), which a rotation function cannot do.");
        return binding with { WebhookSecret = secret };
    }
}

/// <summary>A CodeCommit repository, created by the stack or imported by name.</summary>
/// <param name="RepositoryName">The repository name.</param>
/// <param name="Create">Create the repository (true) or use an existing one (false).</param>
/// <param name="Branch">The branch that triggers the pipeline.</param>
[ManifestName("codecommit")]
public sealed record CodeCommitSource([ManifestName("repository")] string RepositoryName, bool Create = true, string Branch = "main") : PipelineSource
{
    /// <inheritdoc />
    public override string Describe() => $"CodeCommit {RepositoryName}@{Branch}{(Create ? " (created)" : "")}";

    /// <inheritdoc />
    protected override PipelineSourceBinding CreateAction(PipelineSourceBindOptions options)
    {
        var scope = options.Scope;
        var repository = Create
            ? new CodeCommitRepository(scope, "SourceRepository", new Amazon.CDK.AWS.CodeCommit.RepositoryProps
            {
                RepositoryName = ResourceNames.Claim(scope, "CodeCommit repository", RepositoryName),
                Description = $"Source of {options.Names.Service} (created by Slipway).",
            })
            : CodeCommitRepository.FromRepositoryName(scope, "SourceRepository", RepositoryName);
        if (repository is CodeCommitRepository created)
        {
            created.ApplyRemovalPolicy(RemovalPolicy.DESTROY);
        }
        return new(new CodeCommitSourceAction(new CodeCommitSourceActionProps
        {
            ActionName = "CodeCommit",
            Repository = repository,
            Branch = Branch,
            Trigger = CodeCommitTrigger.EVENTS,
            Output = options.Output,
            VariablesNamespace = options.VariablesNamespace,
        }), "CommitId");
    }
}

/// <summary>
/// A zip file in S3. A created bucket is versioned with EventBridge notifications on; an existing
/// bucket must be versioned and have EventBridge notifications enabled.
/// </summary>
/// <param name="ObjectKey">The key of the source zip, for example "orders/source.zip".</param>
/// <param name="BucketName">An existing bucket; null creates one.</param>
[ManifestName("s3")]
public sealed record S3Source(string ObjectKey, [ManifestName("bucket")] string? BucketName = null) : PipelineSource
{
    /// <inheritdoc />
    public override string Describe() => $"S3 {(BucketName ?? "(created bucket)")}/{ObjectKey}";

    /// <inheritdoc />
    protected override PipelineSourceBinding CreateAction(PipelineSourceBindOptions options)
    {
        var scope = options.Scope;
        var stack = Stack.Of(scope);
        var bucket = BucketName is { } name
            ? Bucket.FromBucketName(scope, "SourceBucket", name)
            : SecureBucket.Create(scope, "SourceBucket", new SecureBucketOptions
            {
                Name = options.Names.Bucket("source", stack.Account),
                EventBridge = true,
                EncryptionKey = options.EncryptionKey,
                AccessLogs = options.AccessLogs,
                AccessLogsPrefix = "source/",
                LifecycleRules = new ILifecycleRule[] { new LifecycleRule { NoncurrentVersionExpiration = Duration.Days(30), AbortIncompleteMultipartUploadAfter = Duration.Days(1) } },
            });
        if (bucket is Bucket createdBucket)
        {
            NagSuppressions.OnResource(createdBucket, "AwsSolutions-S1",
                "Source uploads are recorded by CloudTrail data events where required; the bucket holds only source archives the pipeline reads.");
            // EventBridgeEnabled is applied by CDK's singleton bucket-notifications function.
            var handler = stack.Node.FindAll().First(c => c.Node.Id.StartsWith("BucketNotificationsHandler", StringComparison.Ordinal));
            NagSuppressions.OnTree(handler, "AwsSolutions-IAM5",
                "CDK's bucket-notifications function calls s3:PutBucketNotification, which it grants on * (CDK-owned code and role).", "Resource::*");
            NagSuppressions.OnTree(handler, "AwsSolutions-L1",
                "CDK's bucket-notifications function: its runtime is set by the CDK version, not by Slipway.");
        }
        // Start on every new version of the key, through S3's EventBridge notifications
        // (the bucket must have them on; created buckets do).
        new Rule(scope, "SourceTrigger", new RuleProps
        {
            Description = $"Starts the {options.Names.Service} pipeline when s3://{BucketName ?? "(source bucket)"}/{ObjectKey} changes.",
            EventPattern = new EventPattern
            {
                Source = new[] { "aws.s3" },
                DetailType = new[] { "Object Created" },
                Detail = new Dictionary<string, object>
                {
                    ["bucket"] = new Dictionary<string, object> { ["name"] = new[] { bucket.BucketName } },
                    ["object"] = new Dictionary<string, object> { ["key"] = new[] { ObjectKey } },
                },
            },
            Targets = new IRuleTarget[] { new Amazon.CDK.AWS.Events.Targets.CodePipeline(options.Pipeline) },
        });
        return new(new S3SourceAction(new S3SourceActionProps
        {
            ActionName = "S3",
            Bucket = bucket,
            BucketKey = ObjectKey,
            Trigger = S3Trigger.NONE,
            Output = options.Output,
            VariablesNamespace = options.VariablesNamespace,
        }), "VersionId");
    }
}
