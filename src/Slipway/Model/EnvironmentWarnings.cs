namespace Slipway.Model;

/// <summary>
/// Settings that deploy but are probably not what a team wants: reported by <c>slipway validate</c>
/// and <c>slipway synth</c> as warnings, never as errors.
/// </summary>
public static class EnvironmentWarnings
{
    /// <summary>The warnings of <paramref name="service"/>'s environments, each starting with its field path under <paramref name="path"/>.</summary>
    public static IReadOnlyList<string> For(ServiceDefinition service, string path)
    {
        var warnings = new List<string>();
        foreach (var (target, i) in service.Environments.Select((e, i) => (e, i)))
        {
            if (target.IsProduction && target.RequiresApproval == false)
            {
                // Explicit wins (continuous deployment is a legitimate choice), but never silently.
                warnings.Add($"{path}.environments[{i}].requiresApproval: false, so production environment {target.Name} is deployed without a person's approval: " +
                    "every build that passes the earlier environments reaches production. Remove requiresApproval (production then waits for approval) if that is not intended.");
            }
            var net = target.Network;
            var at = $"{path}.environments[{i}].network";
            if (target.IsProduction && net.InternetFacing && net.CertificateArn is null)
            {
                warnings.Add($"{at}.certificateArn: not set, so production environment {target.Name} serves plain HTTP to the internet (port 80, and the test listener on {net.TestListenerPort}). " +
                    "Set network.certificateArn to the ACM certificate ARN of the service's domain (HTTPS on 443, port 80 redirected), or set network.internetFacing: false.");
            }
            if (net.InternetFacing && net.ExistingVpc is { } vpc && net.TestListenerCidrs is null)
            {
                warnings.Add($"{at}.testListenerCidrs: not set, so the test listener of {target.Name} admits only {vpc.Cidr}, but the traffic gate and its test tasks reach an internet-facing load balancer " +
                    "from the public addresses of the VPC's NAT gateways, which Slipway cannot know for an existing VPC: the smoke test and the integration tests would fail every deployment. " +
                    "List the NAT gateways' Elastic IPs, for example testListenerCidrs: [\"203.0.113.10/32\"].");
            }
        }
        return warnings;
    }
}
