using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CodeDeploy;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Constructs;
using Slipway.Conventions;
using Slipway.Model;
using ApplicationProtocol = Amazon.CDK.AWS.ElasticLoadBalancingV2.ApplicationProtocol;
using HealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;
using Protocol = Amazon.CDK.AWS.EC2.Protocol;

namespace Slipway.Runtime;

/// <summary>
/// A Fargate service behind an Application Load Balancer, deployed blue/green by CodeDeploy:
/// VPC (or an existing one), cluster (or an existing one), ALB with a production and a test
/// listener, two target groups, the service under the CODE_DEPLOY controller, its roles and log
/// group, the CodeDeploy application and deployment group, and the alarms that roll it back.
/// </summary>
public sealed class BlueGreenService : Construct
{
    /// <summary>
    /// The image of the placeholder that keeps a fresh service healthy until the pipeline's first
    /// deployment (public ECR: no Docker Hub rate limit, multi-architecture).
    /// </summary>
    public const string PlaceholderImage = "public.ecr.aws/docker/library/python:3.12-alpine";

    /// <summary>The memory of the bootstrap task and of its placeholder container (MiB).</summary>
    public const int BootstrapMemoryMiB = 512;

    /// <summary>The VPC the service runs in.</summary>
    public IVpc Vpc { get; }

    /// <summary>The ECS cluster.</summary>
    public ICluster Cluster { get; }

    /// <summary>The load balancer.</summary>
    public ApplicationLoadBalancer LoadBalancer { get; }

    /// <summary>The production listener (80, or 443 with a certificate).</summary>
    public ApplicationListener ProductionListener { get; }

    /// <summary>The test listener, where the green tasks are reachable before traffic shifts.</summary>
    public ApplicationListener TestListener { get; }

    /// <summary>The target group that serves production first.</summary>
    public ApplicationTargetGroup BlueTargetGroup { get; }

    /// <summary>The target group CodeDeploy registers the replacement tasks in.</summary>
    public ApplicationTargetGroup GreenTargetGroup { get; }

    /// <summary>The tasks' security group (reachable only from the load balancer).</summary>
    public SecurityGroup ServiceSecurityGroup { get; }

    /// <summary>The Fargate service.</summary>
    public FargateService Service { get; }

    /// <summary>The bootstrap task definition (a placeholder; the pipeline registers the real ones).</summary>
    public FargateTaskDefinition TaskDefinition { get; }

    /// <summary>The role ECS uses to pull images, read secrets and write logs.</summary>
    public Role ExecutionRole { get; }

    /// <summary>The role the application runs with (empty by default).</summary>
    public Role TaskRole { get; }

    /// <summary>The application's log group.</summary>
    public LogGroup LogGroup { get; }

    /// <summary>The CodeDeploy application.</summary>
    public EcsApplication Application { get; }

    /// <summary>The CodeDeploy service role of <see cref="DeploymentGroup"/> (it also invokes the lifecycle hooks).</summary>
    public Role CodeDeployRole { get; }

    /// <summary>The CodeDeploy deployment group.</summary>
    public EcsDeploymentGroup DeploymentGroup { get; }

    /// <summary>The alarms that make CodeDeploy roll back (5xx and unhealthy hosts, per target group).</summary>
    public IReadOnlyList<Alarm> RollbackAlarms { get; }

    /// <summary>The URL of the production listener.</summary>
    public string ServiceUrl { get; }

    /// <summary>The URL of the test listener.</summary>
    public string TestUrl { get; }

    /// <summary>Creates the service.</summary>
    public BlueGreenService(Construct scope, string id, BlueGreenServiceProps props) : base(scope, id)
    {
        var v = new Validator();
        props.Validate(v, nameof(BlueGreenServiceProps));
        v.ThrowIfAny();
        // Load balancer access logs need a literal region (CDK looks up the region's log-delivery
        // account), and the pipeline refers to this service's names in this account.
        var (account, region) = StackEnvironment.Require(this, nameof(BlueGreenService),
            "load balancer access logs, the secrets' ARNs, names the pipeline refers to in that account");

        var names = props.Names;
        var certificateArn = props.Certificate?.CertificateArn;
        var productionPort = certificateArn is null ? 80 : 443;

        if (props.Vpc is null && props.AvailabilityZones is { } zones)
        {
            RequireKnownZones(zones, account, region);
        }
        Vpc = props.Vpc ?? NewVpc.Create(this, names, props.VpcCidr, props.AvailabilityZones, props.NatGateways);
        Cluster = props.Cluster ?? (props.ExistingClusterName is { } clusterName
            ? Amazon.CDK.AWS.ECS.Cluster.FromClusterAttributes(this, "ImportedCluster", new ClusterAttributes { ClusterName = clusterName, Vpc = Vpc })
            : new Cluster(this, "Cluster", new ClusterProps
            {
                ClusterName = ResourceNames.Claim(this, "ECS cluster", names.Name("cluster", 255)),
                Vpc = Vpc,
                ContainerInsights = true,
            }));

        // Load balancer and its access logs (ELB access logs need SSE-S3, not KMS).
        var accessLogs = SecureBucket.Create(this, "AccessLogs", new SecureBucketOptions
        {
            // Log objects are never overwritten: a noncurrent version is a deleted log, kept a day.
            NoncurrentVersionDays = 1,
            LifecycleRules = new ILifecycleRule[] { new LifecycleRule { Expiration = Duration.Days(90), AbortIncompleteMultipartUploadAfter = Duration.Days(1) } },
        });
        NagSuppressions.OnResource(accessLogs, "AwsSolutions-S1",
            "This bucket is the destination of the load balancer's access logs; logging it to another bucket would only move the problem.");

        var albSecurityGroup = new SecurityGroup(this, "LoadBalancerSecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = $"{names.Name("alb")}: production and test listeners",
            AllowAllOutbound = false,
        });
        // Names that change with what replaces the resource (ReplaceableNames): a new scheme or VPC
        // gets a new load balancer beside the old one, a new service/target-group pair the same.
        var network = NetworkIdentityOf(props);
        var loadBalancerName = ReplaceableNames.LoadBalancer(names, props.InternetFacing, network.Vpc);
        var pair = ReplaceableNames.ServicePair(names, new ServicePairInputs(loadBalancerName, network, props.ContainerName, props.ContainerPort,
            certificateArn is { } cert ? $"HTTPS 443 {cert} {SslPolicy.RECOMMENDED_TLS}" : "HTTP 80"));
        LoadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", new ApplicationLoadBalancerProps
        {
            LoadBalancerName = ResourceNames.Claim(this, "load balancer", loadBalancerName),
            Vpc = Vpc,
            InternetFacing = props.InternetFacing,
            SecurityGroup = albSecurityGroup,
            VpcSubnets = new SubnetSelection { SubnetType = props.InternetFacing ? SubnetType.PUBLIC : SubnetType.PRIVATE_WITH_EGRESS },
            DropInvalidHeaderFields = true,
            DeletionProtection = false,
        });
        LoadBalancer.LogAccessLogs(accessLogs, names.Name("alb"));

        // The VPC's CIDR as written when Slipway knows it (a literal rule, which checks such as
        // cdk-nag's EC2 rules can read), else the imported VPC's attribute.
        var vpcCidr = props.Vpc is null ? props.VpcCidr : Vpc.VpcCidrBlock;
        var productionSources = props.InternetFacing ? Peer.AnyIpv4() : Peer.Ipv4(vpcCidr);
        albSecurityGroup.AddIngressRule(productionSources, Port.Tcp(productionPort), "production listener");
        if (certificateArn is not null)
        {
            albSecurityGroup.AddIngressRule(productionSources, Port.Tcp(80), "HTTP, redirected to HTTPS");
        }
        foreach (var cidr in props.TestListenerCidrs ?? new[] { vpcCidr })
        {
            albSecurityGroup.AddIngressRule(Peer.Ipv4(cidr), Port.Tcp(props.TestListenerPort), "test listener: green tasks before traffic shifts");
        }
        if (props.InternetFacing)
        {
            NagSuppressions.OnResource(albSecurityGroup, "AwsSolutions-EC23",
                "Internet-facing load balancer: the production listener must accept the public internet. The test listener stays limited to the configured CIDRs.");
        }

        ServiceSecurityGroup = new SecurityGroup(this, "ServiceSecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = $"{names.Name("service")}: tasks, reachable only from the load balancer",
            AllowAllOutbound = true,
        });
        ServiceSecurityGroup.AddIngressRule(albSecurityGroup, Port.Tcp(props.ContainerPort), "from the load balancer only");
        albSecurityGroup.AddEgressRule(ServiceSecurityGroup, Port.Tcp(props.ContainerPort), "to the tasks");

        BlueTargetGroup = CreateTargetGroup("BlueTargetGroup", pair.BlueTargetGroup, props);
        GreenTargetGroup = CreateTargetGroup("GreenTargetGroup", pair.GreenTargetGroup, props);

        if (certificateArn is not null)
        {
            ProductionListener = LoadBalancer.AddListener("ProductionListener", new BaseApplicationListenerProps
            {
                Port = 443,
                Protocol = ApplicationProtocol.HTTPS,
                SslPolicy = SslPolicy.RECOMMENDED_TLS,
                Certificates = new IListenerCertificate[] { ListenerCertificate.FromArn(certificateArn) },
                DefaultTargetGroups = new IApplicationTargetGroup[] { BlueTargetGroup },
                Open = false,
            });
            var redirect = LoadBalancer.AddRedirect(new ApplicationLoadBalancerRedirectConfig { SourcePort = 80, TargetPort = 443, Open = false });
            // Adding HTTPS moves the production listener from 80 to 443 in place: the redirect may
            // take port 80 only after that update (a listener port is unique per load balancer).
            redirect.Node.AddDependency(ProductionListener);
        }
        else
        {
            ProductionListener = LoadBalancer.AddListener("ProductionListener", new BaseApplicationListenerProps
            {
                Port = 80,
                Protocol = ApplicationProtocol.HTTP,
                DefaultTargetGroups = new IApplicationTargetGroup[] { BlueTargetGroup },
                Open = false,
            });
        }
        TestListener = LoadBalancer.AddListener("TestListener", new BaseApplicationListenerProps
        {
            Port = props.TestListenerPort,
            Protocol = certificateArn is null ? ApplicationProtocol.HTTP : ApplicationProtocol.HTTPS,
            Certificates = certificateArn is null ? null : new IListenerCertificate[] { ListenerCertificate.FromArn(certificateArn) },
            SslPolicy = certificateArn is null ? null : SslPolicy.RECOMMENDED_TLS,
            DefaultTargetGroups = new IApplicationTargetGroup[] { GreenTargetGroup },
            Open = false,
        });
        var scheme = certificateArn is null ? "http" : "https";
        ServiceUrl = $"{scheme}://{LoadBalancer.LoadBalancerDnsName}" + (productionPort is 80 or 443 ? "" : $":{productionPort}");
        TestUrl = $"{scheme}://{LoadBalancer.LoadBalancerDnsName}:{props.TestListenerPort}";
        if (props.Compliance == CompliancePack.Nist80053R5)
        {
            HardenForNist(names, accessLogs);
        }

        // Roles and logs. Names are deterministic: the pipeline's generated taskdef.json names them.
        // Encrypted with the stack's log key (Conventions/EncryptedLogGroup), as is the flow-log group.
        LogGroup = EncryptedLogGroup.Create(this, "LogGroup", new EncryptedLogGroupOptions
        {
            Name = SharedNames.LogGroup(names),
            RetentionDays = 30,
        });
        ExecutionRole = new Role(this, "ExecutionRole", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", SharedNames.ExecutionRole(names)),
            AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
            Description = "ECS task execution: pulls the service image, reads its secrets, writes its logs.",
        });
        TaskRole = new Role(this, "TaskRole", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", SharedNames.TaskRole(names)),
            AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
            Description = "The service's own permissions (none by default; add grants to this role).",
        });
        GrantExecution(props, account, region);

        // The bootstrap task definition never depends on the container beyond its name and port, so
        // changing image, cpu, memory or environment never asks CloudFormation to update a
        // CODE_DEPLOY-controlled service. The placeholder answers 200 on every path, so a fresh
        // stack stabilizes before the pipeline's first deployment.
        TaskDefinition = new FargateTaskDefinition(this, "BootstrapTaskDefinition", new FargateTaskDefinitionProps
        {
            Family = SharedNames.TaskFamily(names),
            Cpu = 256,
            MemoryLimitMiB = BootstrapMemoryMiB,
            ExecutionRole = ExecutionRole,
            TaskRole = TaskRole,
            RuntimePlatform = new RuntimePlatform
            {
                CpuArchitecture = CpuArchitecture.X86_64,
                OperatingSystemFamily = OperatingSystemFamily.LINUX,
            },
        });
        TaskDefinition.AddContainer(props.ContainerName, new ContainerDefinitionOptions
        {
            Image = ContainerImage.FromRegistry(PlaceholderImage),
            EntryPoint = new[] { "python3", "-c" },
            Command = new[] { PlaceholderServer(props.ContainerPort) },
            PortMappings = new IPortMapping[] { new PortMapping { ContainerPort = props.ContainerPort, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP } },
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = LogGroup, StreamPrefix = "bootstrap" }),
            // Every container definition states a memory limit (landing-zone controls, AWS Config
            // ecs-task-definition-memory-hard-limit); the task's whole memory is the placeholder's.
            MemoryLimitMiB = BootstrapMemoryMiB,
            Essential = true,
            ReadonlyRootFilesystem = true,
            // Unprivileged unless the port needs root to bind.
            User = props.ContainerPort >= 1024 ? "65534" : null,
        });

        Service = new FargateService(this, "Service", new FargateServiceProps
        {
            ServiceName = ResourceNames.Claim(this, "ECS service", pair.Service),
            Cluster = Cluster,
            TaskDefinition = TaskDefinition,
            DesiredCount = props.DesiredCount,
            DeploymentController = new DeploymentController { Type = DeploymentControllerType.CODE_DEPLOY },
            AssignPublicIp = false,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS },
            SecurityGroups = new ISecurityGroup[] { ServiceSecurityGroup },
            HealthCheckGracePeriod = Duration.Seconds(60),
            PropagateTags = PropagatedTagSource.SERVICE,
            EnableECSManagedTags = true,
        });
        Service.AttachToApplicationTargetGroup(BlueTargetGroup);
        // Both listeners must exist before the service registers targets.
        Service.Node.AddDependency(ProductionListener, TestListener);

        RollbackAlarms = new[]
        {
            TargetGroupAlarm("Blue5xxAlarm", BlueTargetGroup.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, Sum()), 5, names.Name("blue-5xx"), "5xx responses from the blue tasks"),
            TargetGroupAlarm("Green5xxAlarm", GreenTargetGroup.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, Sum()), 5, names.Name("green-5xx"), "5xx responses from the green tasks"),
            TargetGroupAlarm("BlueUnhealthyAlarm", BlueTargetGroup.Metrics.UnhealthyHostCount(Max()), 1, names.Name("blue-unhealthy"), "unhealthy blue tasks"),
            TargetGroupAlarm("GreenUnhealthyAlarm", GreenTargetGroup.Metrics.UnhealthyHostCount(Max()), 1, names.Name("green-unhealthy"), "unhealthy green tasks"),
        };

        Application = new EcsApplication(this, "Application", new EcsApplicationProps
        {
            ApplicationName = ResourceNames.Claim(this, "CodeDeploy application", SharedNames.DeployApplication(names)),
        });
        CodeDeployRole = new Role(this, "CodeDeployRole", new RoleProps
        {
            RoleName = ResourceNames.Claim(this, "IAM role", names.Role("codedeploy")),
            AssumedBy = new ServicePrincipal("codedeploy.amazonaws.com"),
            Description = "CodeDeploy service role for blue/green ECS deployments.",
            ManagedPolicies = new[] { ManagedPolicy.FromAwsManagedPolicyName("AWSCodeDeployRoleForECS") },
        });
        NagSuppressions.OnResource(CodeDeployRole, "AwsSolutions-IAM4",
            "AWSCodeDeployRoleForECS is the service role policy AWS documents for CodeDeploy ECS blue/green; it tracks new actions CodeDeploy needs.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/AWSCodeDeployRoleForECS");
        DeploymentGroup = new EcsDeploymentGroup(this, "DeploymentGroup", new EcsDeploymentGroupProps
        {
            DeploymentGroupName = ResourceNames.Claim(this, "CodeDeploy deployment group", SharedNames.DeploymentGroup(names)),
            Application = Application,
            Service = Service,
            Role = CodeDeployRole,
            DeploymentConfig = DeploymentConfigFor(props.TrafficShifting, names),
            BlueGreenDeploymentConfig = new EcsBlueGreenDeploymentConfig
            {
                BlueTargetGroup = BlueTargetGroup,
                GreenTargetGroup = GreenTargetGroup,
                Listener = ProductionListener,
                TestListener = TestListener,
                TerminationWaitTime = props.TerminationWait ?? Duration.Minutes(0),
            },
            AutoRollback = new AutoRollbackConfig { FailedDeployment = true, StoppedDeployment = true, DeploymentInAlarm = true },
            Alarms = RollbackAlarms.Cast<IAlarm>().ToArray(),
        });

        ConstructTags.Apply(this, props.Tags, names);
    }

    /// <summary>The web ACL in front of the load balancer (NIST 800-53 profile only).</summary>
    public Amazon.CDK.AWS.WAFv2.CfnWebACL? WebAcl { get; private set; }

    // The NIST 800-53 profile: a web ACL with AWS's baseline managed rule groups in front of the
    // load balancer, its requests logged to an encrypted log group, and the findings the profile
    // accepts suppressed with their reasons (docs/compliance.md).
    private void HardenForNist(ResourceNames names, Bucket accessLogs)
    {
        var stack = Stack.Of(this);
        WebAcl = new Amazon.CDK.AWS.WAFv2.CfnWebACL(this, "WebAcl", new Amazon.CDK.AWS.WAFv2.CfnWebACLProps
        {
            Scope = "REGIONAL",
            Description = $"{names.Name("alb")}: AWS managed baseline rules (NIST 800-53 profile)",
            DefaultAction = new Amazon.CDK.AWS.WAFv2.CfnWebACL.DefaultActionProperty { Allow = new Amazon.CDK.AWS.WAFv2.CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility(names.Name("waf")),
            // The baseline groups AWS recommends for every web application
            // (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
            Rules = new object[]
            {
                ManagedRule("AWSManagedRulesCommonRuleSet", 0, names.Name("waf-common")),
                ManagedRule("AWSManagedRulesKnownBadInputsRuleSet", 1, names.Name("waf-bad-inputs")),
            },
        });
        new Amazon.CDK.AWS.WAFv2.CfnWebACLAssociation(this, "WebAclAssociation", new Amazon.CDK.AWS.WAFv2.CfnWebACLAssociationProps
        {
            ResourceArn = LoadBalancer.LoadBalancerArn,
            WebAclArn = WebAcl.AttrArn,
        });
        // WAF logs to CloudWatch Logs only into groups named aws-waf-logs-*
        // (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
        var wafLogs = "aws-waf-logs-" + names.Name("alb");
        EncryptedLogGroup.Create(this, "WebAclLogs", new EncryptedLogGroupOptions { Name = wafLogs, RetentionDays = 30 });
        var logging = new Amazon.CDK.AWS.WAFv2.CfnLoggingConfiguration(this, "WebAclLogging", new Amazon.CDK.AWS.WAFv2.CfnLoggingConfigurationProps
        {
            ResourceArn = WebAcl.AttrArn,
            LogDestinationConfigs = new[] { $"arn:{stack.Partition}:logs:{stack.Region}:{stack.Account}:log-group:{wafLogs}" },
        });
        logging.Node.AddDependency(this.Node.FindChild("WebAclLogs"));

        if (LoadBalancer.Node.TryFindChild("Redirect80To443") is { } redirect)
        {
            NagSuppressions.OnResource(redirect, "NIST.800.53.R5-ELBv2ACMCertificateRequired",
                "This listener only redirects HTTP on port 80 to the HTTPS listener on 443 (the redirect NIST.800.53.R5-ALBHttpToHttpsRedirection asks for); it serves nothing and cannot hold a certificate.");
        }
        NagSuppressions.OnResource(LoadBalancer, "NIST.800.53.R5-ELBDeletionProtectionEnabled",
            "The teams require every resource destroyable with the stack (no deletion protection); the load balancer holds no data and is recreated by the stack.");
        NagSuppressions.OnResource(accessLogs, "NIST.800.53.R5-S3BucketLoggingEnabled",
            "This bucket receives the load balancer's access logs; logging it to another bucket would only move the problem.");
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
        NagSuppressions.OnResource(accessLogs, "NIST.800.53.R5-S3DefaultEncryptionKMS",
            "Elastic Load Balancing delivers access logs only to buckets encrypted with SSE-S3; SSE-KMS is not supported for this destination.");
        if (Vpc is Vpc created)
        {
            foreach (var subnet in created.PublicSubnets)
            {
                NagSuppressions.OnResource(subnet.Node.FindChild("DefaultRoute"), "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
                    "The public subnets hold only the internet-facing load balancer and the NAT gateways, which need the internet gateway; no address is assigned automatically there (MapPublicIpOnLaunch false) and the tasks run in private subnets.");
            }
            NagSuppressions.OnResource(created, "NIST.800.53.R5-VPCDefaultSecurityGroupClosed",
                "The default security group's rules are removed at deployment by CDK's RestrictDefaultSecurityGroup custom resource (restrictDefaultSecurityGroup: true); nothing uses the group.");
        }
    }

    private static Amazon.CDK.AWS.WAFv2.CfnWebACL.VisibilityConfigProperty Visibility(string metric) => new()
    {
        CloudWatchMetricsEnabled = true,
        MetricName = metric,
        SampledRequestsEnabled = true,
    };

    private static Amazon.CDK.AWS.WAFv2.CfnWebACL.RuleProperty ManagedRule(string name, int priority, string metric) => new()
    {
        Name = name,
        Priority = priority,
        Statement = new Amazon.CDK.AWS.WAFv2.CfnWebACL.StatementProperty
        {
            ManagedRuleGroupStatement = new Amazon.CDK.AWS.WAFv2.CfnWebACL.ManagedRuleGroupStatementProperty { VendorName = "AWS", Name = name },
        },
        OverrideAction = new Amazon.CDK.AWS.WAFv2.CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
        VisibilityConfig = Visibility(metric),
    };

    private static MetricOptions Sum() => new() { Statistic = "Sum", Period = Duration.Minutes(1) };

    private static MetricOptions Max() => new() { Statistic = "Maximum", Period = Duration.Minutes(1) };

    private Alarm TargetGroupAlarm(string id, Metric metric, double threshold, string name, string what) =>
        new(this, id, new AlarmProps
        {
            AlarmName = ResourceNames.Claim(this, "alarm", name),
            AlarmDescription = $"Rolls back a CodeDeploy deployment on {what}.",
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = 2,
            DatapointsToAlarm = 2,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });

    private ApplicationTargetGroup CreateTargetGroup(string id, string name, BlueGreenServiceProps props) =>
        new(this, id, new ApplicationTargetGroupProps
        {
            TargetGroupName = ResourceNames.Claim(this, "target group", name),
            Vpc = Vpc,
            Port = props.ContainerPort,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.IP,
            DeregistrationDelay = Duration.Seconds(30),
            HealthCheck = new HealthCheck
            {
                Path = props.HealthCheckPath,
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(15),
                Timeout = Duration.Seconds(5),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 3,
            },
        });

    /// <summary>
    /// The VPC and the tasks' subnets as <see cref="ReplaceableNames"/> hashes them: what changes
    /// exactly when CloudFormation replaces them. A VPC passed in by id tokens is known by its
    /// construct path (replacing it under the same path is not seen).
    /// </summary>
    private NetworkIdentity NetworkIdentityOf(BlueGreenServiceProps props)
    {
        if (props.Vpc is null)
        {
            // A new VPC is replaced when its CIDR changes, its subnets when their zones do.
            return new NetworkIdentity("cidr " + props.VpcCidr, "zones " + string.Join(",", Vpc.AvailabilityZones));
        }
        // An imported VPC by its ids (what the manifest's existingVpc names).
        var vpc = Token.IsUnresolved(Vpc.VpcId)
            ? "construct " + Vpc.Node.Path + (Token.IsUnresolved(Vpc.VpcCidrBlock) ? "" : " cidr " + Vpc.VpcCidrBlock)
            : Vpc.VpcId;
        var subnets = Vpc.SelectSubnets(new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS }).Subnets
            .Select(s => Token.IsUnresolved(s.SubnetId) ? "zone " + s.AvailabilityZone : s.SubnetId);
        return new NetworkIdentity(vpc, "subnets " + string.Join(",", subnets));
    }

    private void GrantExecution(BlueGreenServiceProps props, string account, string region)
    {
        // Image pull from the service's repository (in the tooling account when cross-account;
        // the repository policy there admits this role by name).
        ExecutionRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "PullServiceImage",
            Actions = new[] { "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage" },
            Resources = new[] { props.ImageRepository.RepositoryArn },
        }));
        // GetAuthorizationToken has no resource-level permissions:
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
        ExecutionRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "EcrLogin",
            Actions = new[] { "ecr:GetAuthorizationToken" },
            Resources = new[] { "*" },
        }));
        NagSuppressions.OnTree(ExecutionRole, "AwsSolutions-IAM5",
            "ecr:GetAuthorizationToken supports no resource-level permission (AWS service authorization reference); every other action is scoped.",
            "Resource::*");
        LogGroup.GrantWrite(ExecutionRole);

        var stack = Stack.Of(this);
        var secretArns = props.Secrets.Where(s => s.Store == SecretStore.SecretsManager)
            .Select(s => SecretReferences.SecretArn(stack.Partition, region, account, s.Reference)).Distinct().ToArray();
        if (secretArns.Length > 0)
        {
            ExecutionRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "ReadContainerSecrets",
                Actions = new[] { "secretsmanager:GetSecretValue" },
                Resources = secretArns,
            }));
        }
        var parameterArns = props.Secrets.Where(s => s.Store == SecretStore.ParameterStore)
            .Select(s => SecretReferences.ParameterArn(stack.Partition, region, account, s.Reference)).Distinct().ToArray();
        if (parameterArns.Length > 0)
        {
            ExecutionRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "ReadContainerParameters",
                Actions = new[] { "ssm:GetParameters" },
                Resources = parameterArns,
            }));
        }
    }

    private IEcsDeploymentConfig DeploymentConfigFor(TrafficShifting shifting, ResourceNames names) =>
        shifting.PredefinedConfigName switch
        {
            "CodeDeployDefault.ECSAllAtOnce" => EcsDeploymentConfig.ALL_AT_ONCE,
            "CodeDeployDefault.ECSCanary10Percent5Minutes" => EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES,
            "CodeDeployDefault.ECSCanary10Percent15Minutes" => EcsDeploymentConfig.CANARY_10PERCENT_15MINUTES,
            "CodeDeployDefault.ECSLinear10PercentEvery1Minutes" => EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES,
            "CodeDeployDefault.ECSLinear10PercentEvery3Minutes" => EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
            // No predefined configuration: create one (AWS::CodeDeploy::DeploymentConfig).
            _ => new EcsDeploymentConfig(this, "TrafficShifting", new EcsDeploymentConfigProps
            {
                DeploymentConfigName = ResourceNames.Claim(this, "CodeDeploy deployment config", ReplaceableNames.TrafficConfig(names, shifting)),
                TrafficRouting = shifting.Kind == TrafficShiftingKind.Canary
                    ? new TimeBasedCanaryTrafficRouting(new TimeBasedCanaryTrafficRoutingProps { Percentage = shifting.Percentage, Interval = Duration.Minutes(shifting.IntervalMinutes) })
                    : new TimeBasedLinearTrafficRouting(new TimeBasedLinearTrafficRoutingProps { Percentage = shifting.Percentage, Interval = Duration.Minutes(shifting.IntervalMinutes) }),
            }),
        };

    // CDK's Vpc accepts only zones the stack knows for its account and region (its CDK context),
    // and throws a JavaScript error otherwise; without context it knows placeholder zones only.
    private void RequireKnownZones(IReadOnlyList<string> zones, string account, string region)
    {
        var stack = Stack.Of(this);
        var known = stack.AvailabilityZones;
        var unknown = zones.Where(z => !Token.IsUnresolved(z) && !known.Contains(z)).ToArray();
        if (known.Any(z => Token.IsUnresolved(z)) || unknown.Length == 0)
        {
            return;
        }
        var key = AvailabilityZoneSettings.ContextKey(account, region);
        throw new SlipwayValidationException(new[]
        {
            $"{nameof(BlueGreenServiceProps)}.{nameof(BlueGreenServiceProps.AvailabilityZones)}: [{string.Join(", ", zones)}] " +
            $"{(unknown.Length == 1 ? "is" : "are")} not among the zones the stack {stack.Node.Path} knows for {account}/{region} ([{string.Join(", ", known)}]; CDK context \"{key}\"). " +
            $"Record the account's zones in the app's context before adding the stack (new App(new AppProps {{ Context = new Dictionary<string, object> {{ [\"{key}\"] = new[] {{ ... }} }} }}), or cdk.context.json, as the CDK CLI writes it), or leave AvailabilityZones unset.",
        });
    }

    private static string PlaceholderServer(int port) =>
        "import http.server as h\n" +
        "class H(h.BaseHTTPRequestHandler):\n" +
        "    def do_GET(self):\n" +
        "        self.send_response(200); self.end_headers(); self.wfile.write(b'slipway placeholder: awaiting the first pipeline deployment')\n" +
        $"h.ThreadingHTTPServer(('', {port}), H).serve_forever()\n";
}
