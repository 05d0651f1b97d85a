using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Slipway.Conventions;

namespace Slipway.Runtime;

/// <summary>
/// A new VPC as Slipway makes one: public and private subnets in two zones, NAT gateways, the
/// default security group emptied, rejected traffic in a flow-log group. Used by a service's own
/// network (<see cref="BlueGreenService"/>) and by the shared one (<c>Slipway.Stacks.SharedNetworkStack</c>).
/// </summary>
internal static class NewVpc
{
    /// <summary>Creates the VPC under <paramref name="scope"/> (construct ids Vpc, FlowLogs, FlowLogRole).</summary>
    /// <param name="scope">The construct the VPC belongs to.</param>
    /// <param name="names">Names of its owner (the VPC is <c>...-vpc-...</c>).</param>
    /// <param name="cidr">The VPC's IPv4 CIDR.</param>
    /// <param name="availabilityZones">Its zones, or null for the first two the stack knows.</param>
    /// <param name="natGateways">NAT gateways (public subnets, one per zone at most).</param>
    public static Vpc Create(Construct scope, ResourceNames names, string cidr, IReadOnlyList<string>? availabilityZones, int natGateways)
    {
        var vpc = new Vpc(scope, "Vpc", new VpcProps
        {
            VpcName = names.Name("vpc"),
            IpAddresses = IpAddresses.Cidr(cidr),
            // Declared zones, or the first two the stack's context records for its account and
            // region (Stack.AvailabilityZones; ServiceRuntimeStack answers it with the declared
            // ones so that CDK never looks them up when they are given).
            AvailabilityZones = availabilityZones?.ToArray(),
            MaxAzs = availabilityZones is null ? 2 : null,
            // The default security group would allow all traffic between its members and all
            // egress; nothing uses it, so CDK's custom resource removes its rules (cdk-nag EC2
            // guidance, and the CIS AWS Foundations Benchmark: the default security group of every VPC
            // restricts all traffic). Its provider role is named by RoleNames.
            RestrictDefaultSecurityGroup = true,
            NatGateways = natGateways,
            SubnetConfiguration = new ISubnetConfiguration[]
            {
                // Nothing in the public subnets needs an automatic public IP: the load balancer and
                // the NAT gateways get theirs from their own configuration (Elastic IPs). Landing
                // zones reject subnets that assign them (AWS Config subnet-auto-assign-public-ip-disabled).
                new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24, MapPublicIpOnLaunch = false },
                new SubnetConfiguration { Name = "private", SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 22 },
            },
        });
        var flowLogs = EncryptedLogGroup.Create(scope, "FlowLogs", new EncryptedLogGroupOptions
        {
            Name = names.LogGroup("vpc-flow"),
            RetentionDays = 30,
        });
        // Our own role, named by convention: the one CDK would create gets a CloudFormation-generated
        // name outside the role/{service}-* pattern a scoped bootstrap policy allows. CDK grants it
        // writing to the log group and passing itself.
        // https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
        var flowLogRole = new Role(scope, "FlowLogRole", new RoleProps
        {
            RoleName = ResourceNames.Claim(scope, "IAM role", names.Role("vpc-flow-logs")),
            AssumedBy = new ServicePrincipal("vpc-flow-logs.amazonaws.com").WithConditions(new Dictionary<string, object>
            {
                // Only flow logs of this account may use it (confused deputy).
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Stack.Of(scope).Account },
            }),
            Description = "VPC flow logs: delivers rejected traffic records to the flow-log group.",
        });
        vpc.AddFlowLog("FlowLog", new FlowLogOptions
        {
            Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs, flowLogRole),
            TrafficType = FlowLogTrafficType.REJECT,
        });
        return vpc;
    }
}
