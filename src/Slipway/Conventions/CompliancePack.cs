namespace Slipway.Conventions;

/// <summary>An opt-in compliance profile: what Slipway hardens beyond its defaults, and which cdk-nag pack the templates pass.</summary>
public enum CompliancePack
{
    /// <summary>Slipway's defaults (landing-zone controls and cdk-nag AwsSolutions) only.</summary>
    [ManifestName("none")]
    None,

    /// <summary>
    /// NIST SP 800-53 Rev. 5 as cdk-nag's NIST80053R5Checks reads it: managed instead of inline
    /// policies, KMS on every bucket that supports it, server access logs on every bucket that is
    /// not itself a log destination, a dead-letter queue on Slipway's Lambda function, HTTPS
    /// listeners (a certificate is required), and a web ACL on every load balancer. docs/compliance.md
    /// lists what it changes, what it costs, and each finding it suppresses and why.
    /// </summary>
    [ManifestName("nist-800-53-r5")]
    Nist80053R5,
}
