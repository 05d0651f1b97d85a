using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Slipway.Conventions;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Slipway.Model;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;

namespace Slipway.Runtime;

/// <summary>
/// Props of <see cref="TrafficGate"/>: the service's parts the gate tests, starts test tasks next
/// to, and reports to (a <see cref="BlueGreenService"/> exposes each of them).
/// </summary>
public sealed class TrafficGateProps
{
    /// <summary>Names of the service in this environment (the function's name, the task family and log group it reads).</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>The VPC of the service: the gate and its test tasks run in its private subnets with egress.</summary>
    public required IVpc Vpc { get; init; }

    /// <summary>The cluster the service runs in (test tasks start there).</summary>
    public required ICluster Cluster { get; init; }

    /// <summary>The ECS service whose green task set the test tasks copy.</summary>
    public required IBaseService Service { get; init; }

    /// <summary>The load balancer whose test listener the gate calls (its security group admits the gate).</summary>
    public required IApplicationLoadBalancer LoadBalancer { get; init; }

    /// <summary>Whether <see cref="LoadBalancer"/> faces the internet (the gate then reaches it through the NAT gateways' addresses).</summary>
    public required bool InternetFacing { get; init; }

    /// <summary>The test listener's port.</summary>
    public required int TestListenerPort { get; init; }

    /// <summary>The test listener's URL (the smoke test requests it).</summary>
    public required string TestUrl { get; init; }

    /// <summary>The production listener's URL (given to the test tasks).</summary>
    public required string ServiceUrl { get; init; }

    /// <summary>The container the test tasks override (its name in the task definition).</summary>
    public required string ContainerName { get; init; }

    /// <summary>The path the smoke test requests; it must answer 200.</summary>
    public required string HealthCheckPath { get; init; }

    /// <summary>The service's task execution role and task role, which the test tasks run with (the gate may pass them to ECS).</summary>
    public required IReadOnlyList<IRole> TaskRoles { get; init; }

    /// <summary>The CodeDeploy service role of the deployment group: it invokes the gate.</summary>
    public required IRole CodeDeployRole { get; init; }

    /// <summary>
    /// Integration tests the gate runs as a Fargate task before traffic shifts (those with
    /// <see cref="IntegrationTestTiming.BeforeTraffic"/>; others run in the pipeline).
    /// </summary>
    /// <remarks>Default: none; the gate runs the smoke test: the health check path through the test listener.</remarks>
    public IntegrationTestSettings? IntegrationTests { get; init; }

    /// <summary>Where failures are announced (with a link to the test output).</summary>
    /// <remarks>Default: none; failures are only reported to CodeDeploy and logged.</remarks>
    public ITopic? NotificationTopic { get; init; }

    /// <summary>The key that encrypts <see cref="NotificationTopic"/>.</summary>
    /// <remarks>Default: none (an unencrypted topic, or none).</remarks>
    public IKey? NotificationKey { get; init; }

    /// <summary>How long the gate's log group keeps its events.</summary>
    /// <remarks>Default: 30 days, as the service's own log group.</remarks>
    public int LogRetentionDays { get; init; } = 30;

    /// <summary>The tags put on everything the gate creates.</summary>
    /// <remarks>Default: Service and Project <see cref="ResourceNames.Service"/>, Environment <see cref="ResourceNames.Environment"/>, CostCenter "unassigned", ManagedBy slipway.</remarks>
    public SlipwayTags? Tags { get; init; }

    /// <summary>The compliance profile hardened beyond the defaults (the gate's accepted findings under it).</summary>
    /// <remarks>Default: <see cref="CompliancePack.None"/>.</remarks>
    public CompliancePack Compliance { get; init; } = CompliancePack.None;
}

/// <summary>
/// The traffic gate of one environment: the CodeDeploy <c>AfterAllowTestTraffic</c> lifecycle hook
/// (a Node.js Lambda, the embedded handler in <c>TrafficGate/</c>) that tests the green tasks
/// through the test listener before CodeDeploy shifts production traffic, and fails the hook (so
/// CodeDeploy rolls back) when they fail or time out. With integration tests it starts them as a
/// Fargate task from the green task set in the private subnets and reports when the task stops
/// (an ECS task state-change rule) or times out (a sweep every minute); without them it requests
/// the health check path a few times itself.
/// </summary>
/// <remarks>
/// Everything lives in the environment's account, named so that the generated appspec can name the
/// function (<see cref="SharedNames.TrafficGateFunction"/>): adding an environment changes nothing
/// in the tooling account. See docs/traffic-gate.md for the sequence of one deployment.
/// </remarks>
public sealed class TrafficGate : Construct
{
    /// <summary>How often the gate looks for test tasks past their timeout.</summary>
    public const int SweepIntervalMinutes = 1;

    /// <summary>The <c>startedBy</c> of the gate's test tasks (RunTask allows 36 characters).</summary>
    public const string StartedBy = "slipway-traffic-gate";

    /// <summary>Smoke-test requests before the gate gives up.</summary>
    public const int SmokeAttempts = 5;

    /// <summary>Seconds between smoke-test requests.</summary>
    public const int SmokeIntervalSeconds = 5;

    /// <summary>The handler file, embedded in the assembly under <see cref="ResourcePrefix"/>.</summary>
    public const string HandlerFile = "index.js";

    /// <summary>The manifest resource name prefix of <see cref="HandlerFile"/>.</summary>
    public const string ResourcePrefix = "Slipway.Runtime.TrafficGate.";

    /// <summary>The hook function.</summary>
    public Function Function { get; }

    /// <summary>The function's role.</summary>
    public Role Role { get; }

    /// <summary>The function's log group (the smoke test's output).</summary>
    public LogGroup LogGroup { get; }

    /// <summary>The security group of the function and of the test tasks: the test listener admits it.</summary>
    public SecurityGroup SecurityGroup { get; }

    /// <summary>Test task stopped → the function (with integration tests only).</summary>
    public Rule? TaskStoppedRule { get; }

    /// <summary>Every minute → the function, to stop test tasks past their timeout (with integration tests only).</summary>
    public Rule? SweepRule { get; }

    /// <summary>Creates the gate.</summary>
    public TrafficGate(Construct scope, string id, TrafficGateProps props) : base(scope, id)
    {
        // The test tasks' ARNs (RunTask, StopTask) are this account's and region's.
        var (account, region) = StackEnvironment.Require(this, nameof(TrafficGate), "the ARNs of the test tasks it starts and stops");
        var names = props.Names;
        var partition = Stack.Of(this).Partition;
        var tests = props.IntegrationTests is { GateTraffic: true } t ? t : null;

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Vpc,
            Description = $"{names.Name("traffic-gate")}: the traffic gate and its test tasks (clients of the test listener)",
            // AWS APIs (through the NAT gateways) and whatever the tests call.
            AllowAllOutbound = true,
        });
        AllowToTestListener(props);

        LogGroup = EncryptedLogGroup.Create(this, "LogGroup", new EncryptedLogGroupOptions
        {
            Name = names.LogGroup("traffic-gate"),
            RetentionDays = props.LogRetentionDays,
        });

        Role = new Role(this, "Role", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", names.Role("traffic-gate")),
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"Traffic gate of {names.Service} in {names.Environment}: runs the tests of a deployment and reports them to CodeDeploy.",
        });
        LogGroup.GrantWrite(Role);
        GrantCalls(partition, region, account, props, runsTestTasks: tests is not null);

        var privateSubnets = props.Vpc.SelectSubnets(new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS });
        Function = new Function(this, "Function", new FunctionProps
        {
            FunctionName = ResourceNames.Claim(this, "Lambda function", SharedNames.TrafficGateFunction(names)),
            Description = $"CodeDeploy {DeploymentContract.TestTrafficHook} hook of {names.Service} in {names.Environment}: tests the green tasks through the test listener before traffic shifts.",
            Runtime = DeploymentContract.NodeRuntime,
            Architecture = Amazon.CDK.AWS.Lambda.Architecture.ARM_64,
            Handler = "index.handler",
            Code = Code.FromAsset(EmbeddedAsset.Stage(typeof(TrafficGate).Assembly, ResourcePrefix, HandlerFile)),
            MemorySize = 128,
            // The smoke test's worst case: SmokeAttempts requests of 5 s with SmokeIntervalSeconds between them.
            Timeout = Duration.Minutes(2),
            Role = Role,
            LogGroup = LogGroup,
            // In the private subnets: the test listener of an internal load balancer is reachable
            // only from inside the VPC, and an internet-facing one admits the NAT gateways' addresses.
            Vpc = props.Vpc,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS },
            SecurityGroups = new ISecurityGroup[] { SecurityGroup },
            Environment = new Dictionary<string, string>
            {
                ["CLUSTER"] = props.Cluster.ClusterName,
                ["SERVICE"] = props.Service.ServiceName,
                ["CONTAINER_NAME"] = props.ContainerName,
                ["SUBNETS"] = Fn.Join(",", privateSubnets.SubnetIds),
                ["SECURITY_GROUPS"] = SecurityGroup.SecurityGroupId,
                ["TEST_URL"] = props.TestUrl,
                ["SERVICE_URL"] = props.ServiceUrl,
                ["HEALTH_CHECK_PATH"] = props.HealthCheckPath,
                ["TEST_COMMAND"] = tests is null ? "" : System.Text.Json.JsonSerializer.Serialize(tests.Command),
                ["TIMEOUT_MINUTES"] = (tests?.TimeoutMinutes ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["LOG_GROUP"] = SharedNames.LogGroup(names),
                ["LOG_STREAM_PREFIX"] = DeploymentContract.LogStreamPrefix,
                ["GATE_LOG_GROUP"] = LogGroup.LogGroupName,
                ["NOTIFY_TOPIC_ARN"] = props.NotificationTopic?.TopicArn ?? "",
                ["SMOKE_ATTEMPTS"] = SmokeAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["SMOKE_INTERVAL_SECONDS"] = SmokeIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        });
        NagSuppressions.OnResource(Function, "AwsSolutions-L1",
            "nodejs22.x is the newest Node.js Lambda runtime; cdk-nag compares against the runtimes aws-cdk-lib 2.160 knows, whose newest is nodejs20.x.");
        NagSuppressions.OnTree(Role, "AwsSolutions-IAM4",
            "AWSLambdaVPCAccessExecutionRole is what CDK attaches to a function in a VPC: the ENI calls Lambda makes for it (ec2:CreateNetworkInterface and friends) have no resource-level permission.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole");

        // CodeDeploy invokes the hook with the deployment group's service role. AWSCodeDeployRoleForECS
        // allows lambda:InvokeFunction on every function
        // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECS.html);
        // the explicit grant on this function keeps the hook working under a narrower service role
        // and lets the access proofs show it.
        // The appspec names the unqualified function, so no version or alias ARN is granted.
        props.CodeDeployRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "InvokeTrafficGate",
            Actions = new[] { "lambda:InvokeFunction" },
            Resources = new[] { Function.FunctionArn },
        }));

        if (tests is not null)
        {
            var clusterArn = props.Cluster.ClusterArn;
            TaskStoppedRule = new Rule(this, "TaskStoppedRule", new RuleProps
            {
                Description = $"Test tasks of the {names.Service} {names.Environment} traffic gate that stopped.",
                // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html
                EventPattern = new EventPattern
                {
                    Source = new[] { "aws.ecs" },
                    DetailType = new[] { "ECS Task State Change" },
                    Detail = new Dictionary<string, object>
                    {
                        ["clusterArn"] = new[] { clusterArn },
                        ["lastStatus"] = new[] { "STOPPED" },
                        ["startedBy"] = new[] { StartedBy },
                    },
                },
                Targets = new IRuleTarget[] { new LambdaFunction(Function) },
            });
            SweepRule = new Rule(this, "SweepRule", new RuleProps
            {
                Description = $"Stops test tasks of the {names.Service} {names.Environment} traffic gate past {tests.TimeoutMinutes} minutes and fails their hook.",
                Schedule = Schedule.Rate(Duration.Minutes(SweepIntervalMinutes)),
                Targets = new IRuleTarget[] { new LambdaFunction(Function) },
            });
        }

        ConstructTags.Apply(this, props.Tags, names);
        if (props.Compliance == CompliancePack.Nist80053R5)
        {
            NagSuppressions.OnResource(Function, "NIST.800.53.R5-LambdaConcurrency",
                "New accounts have a Lambda concurrency quota of 10, all of it unreserved; reserving any fails the deployment there. The gate handles one deployment's hook and test task at a time.");
            NagSuppressions.OnResource(Function, "NIST.800.53.R5-LambdaDLQ",
                "No invocation of the gate is lost unseen: a hook it fails to answer fails at CodeDeploy's hook timeout and rolls the deployment back, a missed task-stopped event is caught by the per-minute sweep, and every failure is published to the environment's alarm topic.");
        }
    }

    // The path from the gate (and its test tasks) to the test listener, as the traffic flows. An
    // internal load balancer sees the client's own address: admit the gate's security group. An
    // internet-facing one resolves to public addresses, which a client in a private subnet reaches
    // through its NAT gateway: the load balancer sees the NAT gateway's Elastic IP
    // (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html), so each one is
    // admitted as a /32. An existing VPC's NAT addresses are unknown here: network.testListenerCidrs
    // must name them (validate and synth warn).
    private void AllowToTestListener(TrafficGateProps props)
    {
        var port = Port.Tcp(props.TestListenerPort);
        if (!props.InternetFacing)
        {
            props.LoadBalancer.Connections.AllowFrom(SecurityGroup, port, "test listener: the traffic gate and its test tasks");
            return;
        }
        foreach (var (eip, i) in NatGatewayAddresses(props.Vpc).Select((e, i) => (e, i)))
        {
            props.LoadBalancer.Connections.AllowFrom(Peer.Ipv4(Fn.Join("", new[] { eip, "/32" })), port,
                $"test listener: the traffic gate and its test tasks, through NAT gateway {i + 1}");
        }
    }

    /// <summary>The Elastic IPs (Ref: the address) of the NAT gateways of a VPC Slipway created; none for an imported VPC.</summary>
    public static IReadOnlyList<string> NatGatewayAddresses(IVpc vpc) =>
        vpc is not Vpc
            ? Array.Empty<string>()
            : vpc.PublicSubnets
                .Select(s => s.Node.TryFindChild("EIP"))
                .OfType<CfnEIP>()
                .Select(e => e.Ref)
                .ToList();

    private void GrantCalls(string partition, string region, string account, TrafficGateProps props, bool runsTestTasks)
    {
        // PutLifecycleEventHookExecutionStatus has no resource-level permission:
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReportHookStatus",
            Actions = new[] { "codedeploy:PutLifecycleEventHookExecutionStatus" },
            Resources = new[] { "*" },
        }));
        if (props.NotificationTopic is { } topic)
        {
            topic.GrantPublish(Role);
            // Publishing to a topic encrypted with a customer-managed key needs the key too:
            // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
            props.NotificationKey?.Grant(Role, "kms:Decrypt", "kms:GenerateDataKey*");
        }
        if (!runsTestTasks)
        {
            // The smoke test is an HTTP request: no ECS call, no role to pass.
            NagSuppressions.OnTree(Role, "AwsSolutions-IAM5",
                "PutLifecycleEventHookExecutionStatus supports no resource-level permission; kms:GenerateDataKey* is the SNS encryption pair on the alarm topic's key only.",
                "Resource::*", "Action::kms:GenerateDataKey*");
            return;
        }
        var cluster = props.Cluster;
        var clusterArn = cluster.ClusterArn;
        var clusterCondition = new Dictionary<string, object> { ["ArnEquals"] = new Dictionary<string, object> { ["ecs:cluster"] = clusterArn } };
        var family = SharedNames.TaskFamily(props.Names);
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "FindGreenTaskSet",
            Actions = new[] { "ecs:DescribeServices" },
            Resources = new[] { props.Service.ServiceArn },
        }));
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "RunTestTask",
            Actions = new[] { "ecs:RunTask" },
            Resources = new[] { $"arn:{partition}:ecs:{region}:{account}:task-definition/{family}:*" },
            Conditions = clusterCondition,
        }));
        // ListTasks is authorized on container instances (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html);
        // the cluster condition keeps it to this cluster.
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ListTestTasks",
            Actions = new[] { "ecs:ListTasks" },
            Resources = new[] { "*" },
            Conditions = clusterCondition,
        }));
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "WatchAndStopTestTasks",
            Actions = new[] { "ecs:DescribeTasks", "ecs:StopTask" },
            Resources = new[] { $"arn:{partition}:ecs:{region}:{account}:task/{cluster.ClusterName}/*" },
        }));
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PassTaskRoles",
            Actions = new[] { "iam:PassRole" },
            Resources = props.TaskRoles.Select(r => r.RoleArn).ToArray(),
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "ecs-tasks.amazonaws.com" },
            },
        }));
        NagSuppressions.OnTree(Role, "AwsSolutions-IAM5",
            "PutLifecycleEventHookExecutionStatus supports no resource-level permission; test tasks get fresh ids: RunTask is scoped to the service's task family and cluster, ListTasks to the cluster (condition), Describe/StopTask to tasks of that cluster; kms:GenerateDataKey* is the SNS encryption pair on the alarm topic's key only.",
            "Resource::*", $"Resource::arn:<AWS::Partition>:ecs:{region}:{account}:task-definition/{family}:*",
            $"Resource::arn:<AWS::Partition>:ecs:{region}:{account}:task/{(cluster.Node.DefaultChild is null ? cluster.ClusterName : NagSuppressions.Ref(cluster))}/*",
            "Action::kms:GenerateDataKey*");
    }
}
