using Slipway.Build;

namespace Slipway.Tests.Build;

public sealed class BuildSecretGrantsTests
{
    [Theory]
    [InlineData("/ci/npm-token", "arn:aws:ssm:eu-west-1:111111111111:parameter/ci/npm-token")]
    [InlineData("npm-token", "arn:aws:ssm:eu-west-1:111111111111:parameter/npm-token")]
    [InlineData("arn:aws:ssm:eu-west-1:222222222222:parameter/shared/token", "arn:aws:ssm:eu-west-1:222222222222:parameter/shared/token")]
    public void Parameter_names_with_or_without_a_leading_slash_map_to_one_parameter_arn(string reference, string arn) =>
        Assert.Equal(arn, BuildSecretGrants.ParameterArn("aws", "eu-west-1", "111111111111", reference));

    [Theory]
    [InlineData("ci/sonar", "arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:ci/sonar-??????")]
    [InlineData("ci/sonar:token", "arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:ci/sonar-??????")]
    [InlineData("ci/sonar:token:AWSCURRENT:", "arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:ci/sonar-??????")]
    [InlineData("arn:aws-cn:secretsmanager:cn-north-1:222222222222:secret:ci/sonar-AbCdEf", "arn:aws-cn:secretsmanager:cn-north-1:222222222222:secret:ci/sonar-AbCdEf")]
    [InlineData("arn:aws-cn:secretsmanager:cn-north-1:222222222222:secret:ci/sonar-AbCdEf:token", "arn:aws-cn:secretsmanager:cn-north-1:222222222222:secret:ci/sonar-AbCdEf")]
    public void Secret_references_map_to_the_secret_they_name(string reference, string arn) =>
        Assert.Equal(arn, BuildSecretGrants.SecretArn("aws-cn", "cn-north-1", "111111111111", reference));
}
