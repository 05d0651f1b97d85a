using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.CodePipeline;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Slipway.Conventions;
using Architecture = Amazon.CDK.AWS.Lambda.Architecture;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;
using LambdaRuntime = Amazon.CDK.AWS.Lambda.Runtime;

namespace Slipway.Observability;

/// <summary>Props of <see cref="DeliveryMetricsCollector"/>.</summary>
public sealed class DeliveryMetricsCollectorProps
{
    /// <summary>The pipeline measured.</summary>
    public required IPipeline Pipeline { get; init; }

    /// <summary>Names of the service (no environment): the function, role, table and queue are named from them.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>The environments, in promotion order, each with the stage that deploys it.</summary>
    public required IReadOnlyList<PipelineEnvironment> Environments { get; init; }

    /// <summary>Days the function's log group keeps its events.</summary>
    /// <remarks>Default: <see cref="PipelineObservabilityProps.DefaultLogRetentionDays"/>.</remarks>
    public int LogRetentionDays { get; init; } = PipelineObservabilityProps.DefaultLogRetentionDays;

    /// <summary>The compliance pack (the NIST 800-53 profile adds a dead-letter queue).</summary>
    /// <remarks>Default: <see cref="CompliancePack.None"/>.</remarks>
    public CompliancePack Compliance { get; init; } = CompliancePack.None;

    /// <summary>Concurrent executions reserved for the collector (1-10).</summary>
    /// <remarks>
    /// Default: none; the function shares the account's unreserved pool. Events arrive a few at a
    /// time and the handler is safe under concurrency, so a reservation only guards against
    /// other functions exhausting the pool. Lambda lets a reservation take only what leaves 100
    /// unreserved (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html),
    /// so any reservation fails to deploy in a new account whose concurrency quota is still
    /// below that (it can be 10): set this only where the quota has been raised. 0 is refused:
    /// Lambda throttles every invocation of a function reserved at 0.
    /// </remarks>
    public int? ReservedConcurrency { get; init; }
}

/// <summary>
/// The delivery-metrics collector: a Node.js Lambda (the embedded handler in
/// <c>DeliveryMetrics/</c>) fed by EventBridge with this pipeline's execution events and its
/// CodeDeploy deploy actions, which writes pipeline, deployment and DORA metrics to the
/// <see cref="DeliveryMetrics.Namespace"/> namespace (Embedded Metric Format in its log group),
/// with a DynamoDB table for deduplication and start/end pairing.
/// </summary>
/// <remarks>
/// CodePipeline publishes no CloudWatch metrics of its own; see DeliveryMetrics/README.md for the
/// handler's contract and docs/observability.md for how the metrics are computed.
/// </remarks>
public sealed class DeliveryMetricsCollector : Construct
{
    /// <summary>The handler files, embedded in the assembly under <see cref="ResourcePrefix"/>.</summary>
    public static readonly IReadOnlyList<string> HandlerFiles = new[] { "index.js", "store.js" };

    /// <summary>The manifest resource name prefix of <see cref="HandlerFiles"/>.</summary>
    public const string ResourcePrefix = "Slipway.Observability.DeliveryMetrics.";

    /// <summary>The function.</summary>
    public Function Function { get; }

    /// <summary>The function's role: writes its log group and the state table, nothing else.</summary>
    public Role Role { get; }

    /// <summary>The function's log group (where the metrics are extracted from).</summary>
    public LogGroup LogGroup { get; }

    /// <summary>Where events the function fails on are kept (NIST 800-53 profile only).</summary>
    public Amazon.CDK.AWS.SQS.Queue? DeadLetterQueue { get; }

    /// <summary>The state table (deduplication and start/end pairing; items expire after 30 to 180 days).</summary>
    public Table StateTable { get; }

    /// <summary>Pipeline execution state changes → the function.</summary>
    public Rule PipelineExecutionRule { get; }

    /// <summary>CodeDeploy deploy action state changes → the function.</summary>
    public Rule DeployActionRule { get; }

    /// <summary>The function's SLIPWAY_CONFIG.</summary>
    public string Config { get; }

    /// <summary>Creates the collector.</summary>
    public DeliveryMetricsCollector(Construct scope, string id, DeliveryMetricsCollectorProps props) : base(scope, id)
    {
        var v = new Validator();
        v.Require(props.ReservedConcurrency is null or >= 1 and <= 10, "deliveryMetrics.reservedConcurrency", props.ReservedConcurrency,
            "must be from 1 to 10, or left unset for no reservation (the default). A pipeline sends a few events a minute; 0 would throttle every one.");
        v.ThrowIfAny();

        var pipeline = props.Pipeline;
        var names = props.Names;
        var pipelineName = PipelineName(pipeline);

        StateTable = new Table(this, "StateTable", new TableProps
        {
            TableName = ResourceNames.Claim(this, "DynamoDB table", names.Name("delivery-state", 255)),
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "pk", Type = AttributeType.STRING },
            TimeToLiveAttribute = "expiresAt",
            BillingMode = BillingMode.PAY_PER_REQUEST,
            Encryption = TableEncryption.AWS_MANAGED,
            PointInTimeRecovery = true,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        // Encrypted with the stack's log key, like every log group (Conventions/EncryptedLogGroup).
        LogGroup = EncryptedLogGroup.Create(this, "LogGroup", new EncryptedLogGroupOptions
        {
            Name = names.LogGroup("delivery-metrics"),
            RetentionDays = props.LogRetentionDays,
        });

        // An explicit role instead of AWSLambdaBasicExecutionRole, which may write to any log group.
        Role = new Role(this, "Role", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", names.Role("delivery-metrics")),
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"Delivery-metrics collector of the {names.Service} pipeline: writes its log group and state table only.",
        });
        LogGroup.GrantWrite(Role);

        Config = ConfigJson(pipelineName, names.Service, props.Environments);
        var nist = props.Compliance == CompliancePack.Nist80053R5;
        // NIST 800-53 profile: events the function fails on (after Lambda's two retries of an
        // asynchronous invocation) are kept for 14 days instead of dropped
        // (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq).
        if (nist)
        {
            DeadLetterQueue = new Amazon.CDK.AWS.SQS.Queue(this, "DeadLetterQueue", new Amazon.CDK.AWS.SQS.QueueProps
            {
                QueueName = ResourceNames.Claim(this, "SQS queue", names.Name("delivery-metrics-dlq", 80)),
                Encryption = Amazon.CDK.AWS.SQS.QueueEncryption.SQS_MANAGED,
                EnforceSSL = true,
                RetentionPeriod = Duration.Days(14),
                RemovalPolicy = RemovalPolicy.DESTROY,
            });
            NagSuppressions.OnResource(DeadLetterQueue, "AwsSolutions-SQS3", "This queue is the dead-letter queue of the delivery-metrics function.");
        }
        Function = new Function(this, "Function", new FunctionProps
        {
            FunctionName = ResourceNames.Claim(this, "Lambda function", names.Name("delivery-metrics", 64)),
            Description = $"Turns {pipelineName} CodePipeline events into delivery and DORA metrics ({DeliveryMetrics.Namespace}).",
            Runtime = DeploymentContract.NodeRuntime,
            Architecture = Architecture.ARM_64,
            Handler = "index.handler",
            Code = Code.FromAsset(EmbeddedAsset.Stage(typeof(DeliveryMetricsCollector).Assembly, ResourcePrefix, HandlerFiles.ToArray())),
            MemorySize = 128,
            Timeout = Duration.Seconds(30),
            ReservedConcurrentExecutions = props.ReservedConcurrency,
            DeadLetterQueue = DeadLetterQueue,
            Role = Role,
            LogGroup = LogGroup,
            Environment = new Dictionary<string, string>
            {
                ["SLIPWAY_CONFIG"] = Config,
                ["SLIPWAY_STATE_TABLE"] = StateTable.TableName,
            },
        });
        // Exactly what store.js calls (putItem, getItem, deleteItem), on this table only.
        StateTable.Grant(Function, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem");
        if (nist)
        {
            if (props.ReservedConcurrency is null)
            {
                NagSuppressions.OnResource(Function, "NIST.800.53.R5-LambdaConcurrency",
                    "New accounts have a Lambda concurrency quota of 10, all of it unreserved; reserving any fails the deployment there. The function handles one pipeline's events (a few per execution).");
            }
            NagSuppressions.OnResource(Function, "NIST.800.53.R5-LambdaInsideVPC",
                "The tooling account has no VPC of Slipway's; the function calls only CloudWatch and DynamoDB, and a VPC would need NAT gateways or interface endpoints at about 30 USD a month each.");
            NagSuppressions.OnResource(StateTable, "NIST.800.53.R5-DynamoDBInBackupPlan",
                "The table holds short-lived deduplication state (expiring by TTL), rebuilt from the pipeline's events; point-in-time recovery is on, and a backup vault would outlive the destroyable stack the teams require.");
        }
        NagSuppressions.OnResource(Function, "AwsSolutions-L1",
            "nodejs22.x is the newest Node.js Lambda runtime; cdk-nag compares against the runtimes aws-cdk-lib 2.160 knows, whose newest is nodejs20.x.");

        var pipelineArn = pipeline.PipelineArn;
        PipelineExecutionRule = new Rule(this, "PipelineExecutionRule", new RuleProps
        {
            Description = $"Pipeline execution state changes of {pipelineName} for the delivery-metrics collector.",
            EventPattern = new EventPattern
            {
                Source = new[] { "aws.codepipeline" },
                DetailType = new[] { PipelineNotifications.PipelineExecutionEvent },
                Resources = new[] { pipelineArn },
            },
            Targets = new IRuleTarget[] { new LambdaFunction(Function) },
        });
        DeployActionRule = new Rule(this, "DeployActionRule", new RuleProps
        {
            Description = $"CodeDeploy blue/green deploy actions of {pipelineName} for the delivery-metrics collector.",
            EventPattern = new EventPattern
            {
                Source = new[] { "aws.codepipeline" },
                DetailType = new[] { PipelineNotifications.ActionExecutionEvent },
                Resources = new[] { pipelineArn },
                Detail = new Dictionary<string, object>
                {
                    ["type"] = new Dictionary<string, object>
                    {
                        ["category"] = new[] { "Deploy" },
                        ["provider"] = new[] { "CodeDeployToECS" },
                    },
                },
            },
            Targets = new IRuleTarget[] { new LambdaFunction(Function) },
        });
    }

    /// <summary>The pipeline's physical name, as events carry it in <c>detail.pipeline</c>.</summary>
    public static string PipelineName(IPipeline pipeline)
    {
        // The literal name given to the CloudFormation resource (PipelineName is a Ref token).
        if (pipeline.Node.DefaultChild is CfnPipeline { Name: { } name })
        {
            return name;
        }
        var imported = pipeline.PipelineName;
        return Token.IsUnresolved(imported)
            ? throw new SlipwayValidationException(new[]
            {
                $"{pipeline.Node.Path}: the pipeline has no literal name, but dashboards, alarms and the collector's config name it. " +
                "Give the pipeline a PipelineName, or import it with Pipeline.FromPipelineArn and a literal ARN.",
            })
            : imported;
    }

    /// <summary>
    /// The handler's SLIPWAY_CONFIG (contract in DeliveryMetrics/README.md): this pipeline, its
    /// service, which stage deploys which environment, and the production environment.
    /// </summary>
    public static string ConfigJson(string pipelineName, string service, IReadOnlyList<PipelineEnvironment> environments)
    {
        var stages = new JsonObject();
        foreach (var target in environments)
        {
            stages[target.DeployStage] = target.Name;
        }
        var config = new JsonObject
        {
            ["namespace"] = DeliveryMetrics.Namespace,
            ["pipelines"] = new JsonObject
            {
                [pipelineName] = new JsonObject
                {
                    ["service"] = service,
                    ["stages"] = stages,
                    ["productionEnvironment"] = PipelineEnvironment.ProductionOf(environments).Name,
                },
            },
            // CodeDeploy's own events are emitted in each environment's account; this pipeline's
            // deploy actions already carry every outcome, so no deployment group is listed.
            ["deploymentGroups"] = new JsonObject(),
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}
