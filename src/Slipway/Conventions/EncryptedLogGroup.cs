using System.Runtime.CompilerServices;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Slipway.Conventions;

/// <summary>What differs between Slipway's log groups; everything else is <see cref="EncryptedLogGroup"/>'s defaults.</summary>
internal sealed class EncryptedLogGroupOptions
{
    /// <summary>
    /// The log group name. Required: the stack's log key admits each group by its ARN, and a
    /// generated name would be known only after the key exists (a dependency cycle).
    /// </summary>
    public required string Name { get; init; }

    /// <summary>Days the events are kept (a CloudWatch Logs retention period).</summary>
    /// <remarks>Default: 30.</remarks>
    public int RetentionDays { get; init; } = 30;
}

/// <summary>
/// The one way Slipway creates CloudWatch Logs log groups: encrypted with the stack's log key
/// (<see cref="StackLogKey"/>), a set retention, deleted with the stack. Landing-zone controls
/// reject a log group without a KMS key (AWS Config cloudwatch-log-group-encrypted, cdk-nag
/// NIST.800.53.R5-CloudWatchLogGroupEncrypted).
/// </summary>
internal static class EncryptedLogGroup
{
    /// <summary>Creates the log group <paramref name="options"/> describes and admits it to the stack's log key.</summary>
    public static LogGroup Create(Construct scope, string id, EncryptedLogGroupOptions options)
    {
        var key = StackLogKey.Of(scope);
        var name = ResourceNames.Claim(scope, "log group", options.Name);
        var group = new LogGroup(scope, id, new LogGroupProps
        {
            LogGroupName = name,
            EncryptionKey = key.Key,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        // The validated retention, set on the resource: no day count needs mapping onto RetentionDays.
        ((CfnLogGroup)group.Node.DefaultChild!).RetentionInDays = options.RetentionDays;
        key.Admit(name);
        return group;
    }
}

/// <summary>
/// One customer-managed key per stack for its log groups, with rotation, whose policy admits
/// CloudWatch Logs for exactly the log groups created through <see cref="EncryptedLogGroup"/>.
/// </summary>
/// <remarks>
/// CloudWatch Logs uses the key as the service principal <c>logs.REGION.amazonaws.com</c>, and
/// passes the log group's ARN as the encryption context <c>aws:logs:arn</c>; the key policy
/// condition <c>kms:EncryptionContext:aws:logs:arn</c> limits it to the groups named here
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html). Whoever
/// writes or reads the events needs no KMS permission: CloudWatch Logs encrypts and decrypts.
/// </remarks>
public sealed class StackLogKey : Construct
{
    /// <summary>The construct id of the log key under the stack.</summary>
    public const string Id = "LogKey";

    /// <summary>The Sid of the key-policy statement that admits CloudWatch Logs.</summary>
    public const string LogsStatementSid = "AllowCloudWatchLogsForTheseLogGroups";

    // One per stack; jsii hands out one proxy per JavaScript object, so the stack is a stable key.
    private static readonly ConditionalWeakTable<Stack, StackLogKey> Keys = new();

    private readonly PolicyStatement _statement;
    private readonly List<string> _arns = new();
    private readonly (string Partition, string Region, string Account) _env;

    /// <summary>The key.</summary>
    public Key Key { get; }

    private StackLogKey(Stack stack) : base(stack, Id)
    {
        _env = (stack.Partition, stack.Region, stack.Account);
        Key = new Key(this, "Key", new KeyProps
        {
            Description = $"Encrypts the CloudWatch Logs log groups of stack {stack.StackName}.",
            EnableKeyRotation = true,
            PendingWindow = Duration.Days(7),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        _statement = new PolicyStatement(new PolicyStatementProps
        {
            Sid = LogsStatementSid,
            Principals = new IPrincipal[] { new ServicePrincipal($"logs.{_env.Region}.amazonaws.com") },
            // The actions the CloudWatch Logs guide gives the service principal.
            Actions = new[] { "kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*" },
            Resources = new[] { "*" },
        });
        Key.AddToResourcePolicy(_statement);
    }

    /// <summary>The log key of the stack <paramref name="scope"/> belongs to (created on first use).</summary>
    public static StackLogKey Of(IConstruct scope)
    {
        var stack = Stack.Of(scope);
        lock (Keys)
        {
            if (!Keys.TryGetValue(stack, out var key))
            {
                key = new StackLogKey(stack);
                Keys.Add(stack, key);
            }
            return key;
        }
    }

    /// <summary>Admits CloudWatch Logs to use the key for the log group <paramref name="logGroupName"/>.</summary>
    public void Admit(string logGroupName)
    {
        _arns.Add($"arn:{_env.Partition}:logs:{_env.Region}:{_env.Account}:log-group:{logGroupName}");
        // Rewritten whole each time: a condition on the same key replaces the previous list.
        _statement.AddCondition("ArnEquals", new Dictionary<string, object> { ["kms:EncryptionContext:aws:logs:arn"] = _arns.ToArray() });
    }
}
