using Amazon.CDK;
using Slipway.Build;
using Slipway.Conventions;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Tests.Conventions;

public sealed class SecretReferencesTests
{
    [Theory]
    [InlineData("orders/prod/db", false, true)]
    [InlineData("Orders_DB+main=1.v2@eu-x", false, true)]
    [InlineData("arn:aws:secretsmanager:us-east-1:111111111111:secret:orders/db-AbCdEf", false, true)]
    [InlineData("arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:orders/db", false, true)]
    [InlineData("arn:aws-us-gov:secretsmanager:us-gov-west-1:111111111111:secret:orders/db", false, true)]
    [InlineData("orders/db:password", true, true)]
    [InlineData("orders/db:password:AWSPREVIOUS", true, true)]
    [InlineData("arn:aws:secretsmanager:us-east-1:111111111111:secret:orders/db-AbCdEf:password", true, true)]
    [InlineData("orders/db:password", false, false)]
    [InlineData("Sup3r S3cret!", false, false)]
    [InlineData("p@ss#word", false, false)]
    [InlineData("ghp_abcdefghijklmnopqrstuvwxyz0123456789", false, false)]
    [InlineData("arn:aws:s3:::orders", false, false)]
    [InlineData("orders/db:", true, false)]
    public void A_secrets_manager_reference_is_a_name_or_an_arn(string reference, bool buildSuffix, bool valid)
    {
        var v = new Validator();

        Assert.Equal(valid, SecretReferences.SecretsManager(v, reference, "x", buildSuffix));
        Assert.Equal(valid ? 0 : 1, v.Problems.Count);
    }

    [Fact]
    public void A_secret_name_is_at_most_512_characters()
    {
        Assert.True(SecretReferences.SecretsManager(new Validator(), new string('a', 512), "x"));
        Assert.False(SecretReferences.SecretsManager(new Validator(), new string('a', 513), "x"));
    }

    [Theory]
    [InlineData("/orders/prod/db-password", true)]
    [InlineData("/Orders/Prod/DB_Password.v1", true)]
    [InlineData("/aws/reference/secretsmanager/orders-db", true)]
    [InlineData("orders/prod/db-password", false)]
    [InlineData("/orders/db password", false)]
    [InlineData("/orders//db", false)]
    [InlineData("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p", false)]
    public void A_parameter_is_a_name_starting_with_a_slash(string name, bool valid)
    {
        Assert.Equal(valid, SecretReferences.Parameter(new Validator(), name, "x"));
    }

    [Fact]
    public void A_parameter_name_is_at_most_1011_characters()
    {
        Assert.True(SecretReferences.Parameter(new Validator(), "/" + new string('a', 1010), "x"));
        Assert.False(SecretReferences.Parameter(new Validator(), "/" + new string('a', 1011), "x"));
    }

    [Fact]
    public void The_library_refuses_a_pasted_secret_before_cdk_sees_it_and_never_shows_it()
    {
        var definition = new ServiceDefinition
        {
            Name = "orders",
            Source = new S3Source("orders/source.zip"),
            Container = new ContainerSettings { Secrets = new[] { new ContainerSecret("DB_PASSWORD", SecretStore.SecretsManager, "Sup3r S3cret!") } },
            Build = new BuildSettings { Secrets = new[] { new BuildSecret("NPM_TOKEN", SecretStore.ParameterStore, "npm_abcdefghijklmnopqrstuvwxyz0123456789") } },
            Environments = new[] { new DeploymentTarget { Name = "dev", Account = "111111111111", Region = "us-east-1" } },
        };

        var e = Assert.Throws<SlipwayValidationException>(() => SlipwayStacks.Add(new App(), definition));

        Assert.Contains(e.Problems, p => p.StartsWith("ServiceDefinition.Container.Secrets[0].Reference: (value hidden: it looks like a secret, not a name) is not a Secrets Manager secret name or ARN.", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("ServiceDefinition.Build.Secrets[0].Reference: (value hidden: it looks like a secret, not a name) is not a parameter name", StringComparison.Ordinal));
        Assert.DoesNotContain("S3cret", e.Message);
        Assert.DoesNotContain("npm_", e.Message);
    }

    [Theory]
    [InlineData("/ci/npm-token", "arn:aws:ssm:eu-west-1:111111111111:parameter/ci/npm-token")]
    [InlineData("npm-token", "arn:aws:ssm:eu-west-1:111111111111:parameter/npm-token")]
    [InlineData("arn:aws:ssm:eu-west-1:222222222222:parameter/shared/token", "arn:aws:ssm:eu-west-1:222222222222:parameter/shared/token")]
    public void Parameter_names_with_or_without_a_leading_slash_map_to_one_parameter_arn(string reference, string arn) =>
        Assert.Equal(arn, SecretReferences.ParameterArn("aws", "eu-west-1", "111111111111", reference));

    [Theory]
    [InlineData("ci/sonar", "arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:ci/sonar-??????")]
    [InlineData("ci/sonar:token", "arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:ci/sonar-??????")]
    [InlineData("ci/sonar:token:AWSCURRENT:", "arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:ci/sonar-??????")]
    [InlineData("arn:aws-cn:secretsmanager:cn-north-1:222222222222:secret:ci/sonar-AbCdEf", "arn:aws-cn:secretsmanager:cn-north-1:222222222222:secret:ci/sonar-AbCdEf")]
    [InlineData("arn:aws-cn:secretsmanager:cn-north-1:222222222222:secret:ci/sonar-AbCdEf:token", "arn:aws-cn:secretsmanager:cn-north-1:222222222222:secret:ci/sonar-AbCdEf")]
    public void Secret_references_map_to_the_secret_they_name(string reference, string arn) =>
        Assert.Equal(arn, SecretReferences.SecretArn("aws-cn", "cn-north-1", "111111111111", reference));
}
