using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Slipway.Conventions;
using Slipway.Access;
using Slipway.Model;
using Slipway.Runtime;
using Slipway.Observability;

namespace Slipway.Stacks;

/// <summary>Props of <see cref="ServiceRuntimeStack"/>.</summary>
public sealed class ServiceRuntimeStackProps : StackProps
{
    /// <summary>The service.</summary>
    public required ServiceDefinition Definition { get; init; }

    /// <summary>The environment this stack deploys.</summary>
    public required DeploymentTarget Target { get; init; }

    /// <summary>The environment suffix of physical names.</summary>
    public required string Suffix { get; init; }
}

/// <summary>
/// One service in one environment, in that environment's account and region: the blue/green
/// service, the roles the pipeline assumes there, and the parameters its integration tests read.
/// </summary>
public sealed class ServiceRuntimeStack : Stack
{
    /// <summary>The service.</summary>
    public BlueGreenService Service { get; }

    /// <summary>The CodeDeploy AfterAllowTestTraffic hook that tests the green tasks before traffic shifts.</summary>
    public TrafficGate TrafficGate { get; }

    /// <summary>The roles the pipeline assumes in this account.</summary>
    public PipelineAccessRoles AccessRoles { get; }

    /// <summary>Names in this environment.</summary>
    public ResourceNames Names { get; }

    /// <summary>Creates the stack.</summary>
    public ServiceRuntimeStack(Construct scope, string id, ServiceRuntimeStackProps props)
        : base(scope, id, InheritedStackProps.Merge(props, WithEnvironment(props), nameof(ServiceRuntimeStackProps)))
    {
        var definition = props.Definition;
        var target = props.Target;
        Names = definition.Names(props.Suffix).ForEnvironment(target.Name);
        if (target.Network is { AvailabilityZones: { } zones, ExistingVpc: null })
        {
            // Declared zones are this stack's zones: Stack.AvailabilityZones reads them here and
            // reports no missing context, so the CDK CLI does no lookup (and needs no credentials).
            Node.SetContext(AvailabilityZoneSettings.ContextKey(target.Account, target.Region), zones.ToArray());
        }

        // The model, mapped to the constructs' narrow props. The manifest (or ServiceDefinition)
        // was validated by its own paths; the constructs check their props again in C# terms.
        var net = target.Network;
        var tags = definition.Tags(target.Name);
        Service = new BlueGreenService(this, "Service", new BlueGreenServiceProps
        {
            Names = Names,
            // By name and ARN: the ARN's partition is this stack's (a token), from which CDK cannot parse the name.
            ImageRepository = Amazon.CDK.AWS.ECR.Repository.FromRepositoryAttributes(this, "ImageRepository", new Amazon.CDK.AWS.ECR.RepositoryAttributes
            {
                RepositoryName = SharedNames.Repository(Names),
                RepositoryArn = $"arn:{Partition}:ecr:{definition.ToolingRegion}:{definition.ToolingAccount}:repository/{SharedNames.Repository(Names)}",
            }),
            Vpc = net.Shared ? SharedNetworkStack.Import(this, "SharedVpc", SharedNetworkKey.Of(definition, target, props.Suffix), target) : ImportExistingVpc(net.ExistingVpc),
            VpcCidr = net.VpcCidr,
            NatGateways = NetworkSettings.NatGatewaysOf(target),
            AvailabilityZones = net.AvailabilityZones,
            ExistingClusterName = net.ExistingClusterName,
            ContainerName = definition.Container.ContainerName,
            ContainerPort = definition.Container.Port,
            HealthCheckPath = definition.Container.HealthCheckPath,
            Secrets = definition.Container.Secrets,
            InternetFacing = net.InternetFacing,
            Certificate = net.CertificateArn is { } certificateArn
                ? Amazon.CDK.AWS.CertificateManager.Certificate.FromCertificateArn(this, "Certificate", certificateArn)
                : null,
            TestListenerPort = net.TestListenerPort,
            TestListenerCidrs = net.TestListenerCidrs,
            TrafficShifting = target.EffectiveTrafficShifting,
            TerminationWait = Duration.Minutes(target.EffectiveTerminationWaitMinutes),
            DesiredCount = target.EffectiveDesiredCount,
            Compliance = definition.Compliance,
            Tags = tags,
        });
        AccessRoles = new PipelineAccessRoles(this, "PipelineAccess", new PipelineAccessRolesProps
        {
            Names = Names,
            ToolingAccount = definition.ToolingAccount,
            ToolingRegion = definition.ToolingRegion,
            Application = Service.Application,
            DeploymentGroup = Service.DeploymentGroup,
            Cluster = Service.Cluster,
            Service = Service.Service,
            TaskRoles = new Amazon.CDK.AWS.IAM.IRole[] { Service.ExecutionRole, Service.TaskRole },
            LogGroup = Service.LogGroup,
            ArtifactsUseKms = definition.ArtifactsUseKms,
            // Tests before the traffic shift run in the traffic gate, in this account: the pipeline's
            // integration-test build (and its role here) exists only for tests after the shift.
            RunsIntegrationTests = target.IntegrationTests is { GateTraffic: false },
            Tags = tags,
        });
        var observability = new RuntimeDashboard(this, "Observability", new RuntimeDashboardProps
        {
            Names = Names,
            Service = Service.Service,
            Cluster = Service.Cluster,
            LoadBalancer = Service.LoadBalancer,
            BlueTargetGroup = Service.BlueTargetGroup,
            GreenTargetGroup = Service.GreenTargetGroup,
            Application = Service.Application,
            ServiceUrl = Service.ServiceUrl,
            RollbackAlarms = Service.RollbackAlarms,
            Emails = definition.Notifications.Emails,
            Tags = tags,
        });
        TrafficGate = new TrafficGate(this, "TrafficGate", new TrafficGateProps
        {
            Names = Names,
            Vpc = Service.Vpc,
            Cluster = Service.Cluster,
            Service = Service.Service,
            LoadBalancer = Service.LoadBalancer,
            InternetFacing = net.InternetFacing,
            TestListenerPort = net.TestListenerPort,
            TestUrl = Service.TestUrl,
            ServiceUrl = Service.ServiceUrl,
            ContainerName = definition.Container.ContainerName,
            HealthCheckPath = definition.Container.HealthCheckPath,
            TaskRoles = new Amazon.CDK.AWS.IAM.IRole[] { Service.ExecutionRole, Service.TaskRole },
            CodeDeployRole = Service.CodeDeployRole,
            IntegrationTests = target.IntegrationTests,
            NotificationTopic = observability.AlarmTopic,
            NotificationKey = observability.AlarmTopicKey,
            Tags = tags,
            Compliance = definition.Compliance,
        });

        // What the integration-test task needs to start next to the service.
        Publish("cluster", Service.Cluster.ClusterName, "The ECS cluster name");
        Publish("service", Service.Service.ServiceName, "The ECS service name");
        Publish("subnets", Fn.Join(",", Service.Vpc.SelectSubnets(new Amazon.CDK.AWS.EC2.SubnetSelection { SubnetType = Amazon.CDK.AWS.EC2.SubnetType.PRIVATE_WITH_EGRESS }).SubnetIds), "Private subnets for test tasks");
        Publish("security-group", Service.ServiceSecurityGroup.SecurityGroupId, "Security group of the tasks");
        Publish("service-url", Service.ServiceUrl, "The production listener URL");

        Output("ServiceUrl", Service.ServiceUrl, "The service's production URL");
        Output("TestListenerUrl", Service.TestUrl, "Where the green tasks answer before traffic shifts");
        Output("ClusterName", Service.Cluster.ClusterName, "The ECS cluster");
        Output("ServiceName", Service.Service.ServiceName, "The ECS service");
        Output("DeploymentGroupName", Service.DeploymentGroup.DeploymentGroupName, "The CodeDeploy deployment group");
        Output("DeployRoleArn", AccessRoles.DeployRole.RoleArn, "The role the pipeline assumes to deploy here");

        tags.ApplyTo(this);
        Guardrails.ApplyPermissionsBoundary(this, definition.PermissionsBoundaryPolicyName);
        DestroyOnDelete.ApplyTo(this);
        KeyGrantPolicy.ApplyTo(this);
        RoleNames.ApplyTo(this, Names);
        StackSuppressions.ForCdkProviders(this);
        if (definition.Compliance == CompliancePack.Nist80053R5)
        {
            Nist80053R5Profile.ApplyTo(this);
            StackSuppressions.ForCdkProvidersNist(this);
            NagSuppressions.OnResource(Service.Node.FindChild("LoadBalancerSecurityGroup"), "CdkNagValidationFailure",
                "NIST.800.53.R5-EC2RestrictedCommonPorts and -EC2RestrictedSSH cannot read the test listener's sources that are the NAT gateways' Elastic IPs (each a /32 known at deployment, TrafficGate); the group opens only the listener ports, to the configured CIDRs and those addresses.");
        }
    }

    // An existing VPC by its ids, as the manifest's network.existingVpc lists them.
    private IVpc? ImportExistingVpc(ExistingVpc? existing) =>
        existing is null
            ? null
            : Amazon.CDK.AWS.EC2.Vpc.FromVpcAttributes(this, "ImportedVpc", new VpcAttributes
            {
                VpcId = existing.VpcId,
                VpcCidrBlock = existing.Cidr,
                AvailabilityZones = existing.AvailabilityZones.ToArray(),
                PrivateSubnetIds = existing.PrivateSubnetIds.ToArray(),
                PublicSubnetIds = existing.PublicSubnetIds.ToArray(),
            });

    private void Publish(string key, string value, string description) =>
        new StringParameter(this, "Parameter" + ResourceNames.Pascal(key), new StringParameterProps
        {
            ParameterName = Names.ParameterPath(key),
            StringValue = value,
            Description = $"{description} (Slipway: read by the integration-test build).",
        });

    private void Output(string id, string value, string description) =>
        new CfnOutput(this, id, new CfnOutputProps { Value = value, Description = description });

    private static StackProps WithEnvironment(ServiceRuntimeStackProps props)
    {
        var names = props.Definition.Names(props.Suffix).ForEnvironment(props.Target.Name);
        return new StackProps
        {
            Env = new Amazon.CDK.Environment { Account = props.Target.Account, Region = props.Target.Region },
            StackName = names.Name("runtime", 128),
            Description = $"Slipway runtime of {props.Definition.Name} in {props.Target.Name} ({props.Target.Account}/{props.Target.Region})",
            TerminationProtection = false,
        };
    }
}
