using Amazon.CDK;
using Constructs;
using Slipway.Conventions;
using Slipway.Observability;
using Slipway.Model;
using Slipway.Pipeline;

namespace Slipway.Stacks;

/// <summary>Props of <see cref="ServicePipelineStack"/>.</summary>
public sealed class ServicePipelineStackProps : StackProps
{
    /// <summary>The service.</summary>
    public required ServiceDefinition Definition { get; init; }

    /// <summary>The environment suffix of physical names.</summary>
    public required string Suffix { get; init; }
}

/// <summary>
/// A service's pipeline stack, in the tooling account: the pipeline, its artifacts, image
/// repository, builds, notifications, dashboard and delivery metrics.
/// </summary>
public sealed class ServicePipelineStack : Stack
{
    /// <summary>The pipeline.</summary>
    public ServicePipeline Pipeline { get; }

    /// <summary>Dashboards, metrics, alarms and notifications.</summary>
    public PipelineObservability Observability { get; }

    /// <summary>The service.</summary>
    public ServiceDefinition Definition { get; }

    /// <summary>Creates the stack.</summary>
    public ServicePipelineStack(Construct scope, string id, ServicePipelineStackProps props)
        : base(scope, id, InheritedStackProps.Merge(props, new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = props.Definition.ToolingAccount, Region = props.Definition.ToolingRegion },
            StackName = props.Definition.Names(props.Suffix).Name("pipeline", 128),
            Description = $"Slipway delivery pipeline of {props.Definition.Name} ({props.Definition.ToolingAccount}/{props.Definition.ToolingRegion})",
        }, nameof(ServicePipelineStackProps)))
    {
        var definition = Definition = props.Definition;
        Validate(definition);
        var names = definition.Names(props.Suffix);
        var tags = definition.Tags("tooling");

        // The model mapped to the constructs' narrow props: every value here is the definition's.
        Pipeline = new ServicePipeline(this, "Pipeline", new ServicePipelineProps
        {
            Names = names,
            Source = definition.Source,
            Environments = definition.Environments,
            Build = definition.Build,
            Container = definition.Container,
            ArtifactEncryption = definition.ArtifactsUseKms ? ArtifactEncryption.Kms : ArtifactEncryption.S3Managed,
            ArtifactNoncurrentVersionDays = definition.ArtifactNoncurrentVersionDays,
            ImageRetentionCount = definition.ImageRetentionCount,
            ApprovalEmails = definition.Notifications.ApprovalEmails,
            Compliance = definition.Compliance,
            Tags = tags,
        });
        Observability = new PipelineObservability(this, "Observability", new PipelineObservabilityProps
        {
            Pipeline = Pipeline.Pipeline,
            Names = names,
            Environments = definition.Environments
                .Select(e => new PipelineEnvironment(e.Name, e.Account, e.Region, Pipeline.DeployStages[e.Name], e.IsProduction)).ToList(),
            TopicKey = Pipeline.TopicKey,
            Projects = Pipeline.Projects.All,
            AlarmRollbackProject = Pipeline.Projects.AlarmRollback,
            Emails = definition.Notifications.Emails,
            FailureTopicArn = definition.Notifications.FailureTopicArn,
            LogRetentionDays = definition.Build.LogRetentionDays,
            Compliance = definition.Compliance,
            Tags = tags,
        });

        new CfnOutput(this, "PipelineName", new CfnOutputProps { Value = Pipeline.Pipeline.PipelineName, Description = "The pipeline" });
        new CfnOutput(this, "PipelineArn", new CfnOutputProps { Value = Pipeline.Pipeline.PipelineArn, Description = "The pipeline's ARN" });
        new CfnOutput(this, "RepositoryUri", new CfnOutputProps { Value = Pipeline.Repository.RepositoryUri, Description = "The ECR repository of the service's images" });
        if (Pipeline.Projects.BuildImageRepository is { } buildImages)
        {
            new CfnOutput(this, "BuildImageRepositoryUri", new CfnOutputProps { Value = buildImages.RepositoryUri, Description = "The ECR repository of the builds' own image: push it here (build.image)" });
        }
        new CfnOutput(this, "ArtifactBucketName", new CfnOutputProps { Value = Pipeline.ArtifactBucket.BucketName, Description = "The pipeline's artifact bucket" });

        tags.ApplyTo(this);
        Guardrails.ApplyPermissionsBoundary(this, props.Definition.PermissionsBoundaryPolicyName);
        DestroyOnDelete.ApplyTo(this);
        KeyGrantPolicy.ApplyTo(this);
        // Every role under the service's prefix, so a scoped bootstrap policy admits them all.
        RoleNames.ApplyTo(this, Pipeline.Names);
        StackSuppressions.ForCdkProviders(this);
        if (props.Definition.Compliance == CompliancePack.Nist80053R5)
        {
            Nist80053R5Profile.ApplyTo(this);
            StackSuppressions.ForCdkProvidersNist(this);
        }
    }

    // The whole definition is checked here, in the manifest's terms; the constructs check only
    // their own props (in C# terms), which the definition's checks already cover.
    private static void Validate(ServiceDefinition definition)
    {
        var v = new Validator();
        definition.Validate(v, "service");
        PipelineObservability.CheckFailureTopic(v, "service.notifications.failureTopicArn", definition.Notifications.FailureTopicArn,
            definition.ToolingAccount, definition.ToolingRegion);
        v.ThrowIfAny();
    }
}
