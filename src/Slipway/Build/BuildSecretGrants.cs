namespace Slipway.Build;

/// <summary>The IAM resources of the secrets a buildspec reads.</summary>
public static class BuildSecretGrants
{
    /// <summary>The ARN of a Parameter Store parameter.</summary>
    public static string ParameterArn(string partition, string region, string account, string reference) => throw new NotImplementedException();

    /// <summary>The ARN of the Secrets Manager secret a buildspec reference names.</summary>
    public static string SecretArn(string partition, string region, string account, string reference) => throw new NotImplementedException();
}
