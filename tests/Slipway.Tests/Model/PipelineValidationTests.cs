using Slipway.Build;
using Slipway.Conventions;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Tests.Model;

public sealed class PipelineValidationTests
{
    private static IReadOnlyList<string> Problems(ServiceDefinition definition)
    {
        var v = new Validator();
        definition.Validate(v, "service");
        return v.Problems;
    }

    private static ServiceDefinition WithTestTimeout(int minutes, IntegrationTestTiming when = IntegrationTestTiming.AfterTraffic) => Services.SingleAccount(envs => envs[0] = new DeploymentTarget
    {
        Name = "staging", Account = Services.Tooling, Region = "us-east-1",
        IntegrationTests = new IntegrationTestSettings { Command = new[] { "pytest" }, TimeoutMinutes = minutes, When = when },
    });

    [Fact]
    public void Rejects_integration_test_timeout_beyond_the_codedeploy_hook_hour()
    {
        var problem = Assert.Single(Problems(WithTestTimeout(46, IntegrationTestTiming.BeforeTraffic)));
        Assert.Equal(
            "service.environments[0].integrationTests.timeoutMinutes: 46 must be from 1 to 45 minutes: CodeDeploy fails the deployment's AfterAllowTestTraffic hook " +
            "when it is not reported within 60 minutes, and the traffic gate needs 15 of those minutes to start the test task, notice a timeout and stop it. " +
            "Lower timeoutMinutes to at most 45, or split the suite.",
            problem);
        Assert.Empty(Problems(WithTestTimeout(45, IntegrationTestTiming.BeforeTraffic)));
    }

    [Fact]
    public void Rejects_integration_test_timeout_beyond_the_role_chaining_hour()
    {
        var problem = Assert.Single(Problems(WithTestTimeout(46)));
        Assert.Equal(
            "service.environments[0].integrationTests.timeoutMinutes: 46 must be from 1 to 45 minutes: the test runner works with a chained role session, " +
            "which AWS caps at one hour, and needs 15 of those minutes to start the task, stop it and print its logs. Lower timeoutMinutes to at most 45, " +
            "or split the suite.",
            problem);
        Assert.Single(Problems(WithTestTimeout(0)));
        Assert.Empty(Problems(WithTestTimeout(45)));
        Assert.Empty(Problems(WithTestTimeout(1)));
    }

    private static ServiceDefinition WithBuildImageRepository(string image, int keep) => new()
    {
        Name = "orders",
        Source = new Slipway.Model.GitHubConnectionSource("example-org", "orders-service", Services.ConnectionArn),
        Build = new BuildSettings { BuildImage = image, ImageRepository = new BuildImageRepositorySettings { Create = true, KeepImages = keep } },
        Environments = new[] { new DeploymentTarget { Name = "dev", Account = Services.Tooling, Region = "us-east-1" } },
    };

    [Fact]
    public void A_created_build_image_repository_must_hold_the_build_image_in_the_pipelines_account_and_keep_1_to_1000_images()
    {
        Assert.Empty(Problems(WithBuildImageRepository($"{Services.Tooling}.dkr.ecr.us-east-1.amazonaws.com/ci/build:node20", 10)));
        Assert.Equal(
            new[]
            {
                "service.build.imageRepository.keepImages: 0 must be from 1 to 1000.",
                "service.build.image: \"999999999999.dkr.ecr.eu-west-1.amazonaws.com/ci/build:node20\" is in 999999999999/eu-west-1, but build.imageRepository.create " +
                $"makes the repository in the pipeline's account and region {Services.Tooling}/us-east-1. Use {Services.Tooling}.dkr.ecr.us-east-1.amazonaws.com/REPOSITORY:TAG, " +
                "or remove build.imageRepository to pull from the existing repository.",
            },
            Problems(WithBuildImageRepository("999999999999.dkr.ecr.eu-west-1.amazonaws.com/ci/build:node20", 0)));
    }

    [Fact]
    public void Rejects_a_build_secret_key_that_is_not_a_kms_key_arn()
    {
        var definition = new ServiceDefinition
        {
            Name = "orders",
            Source = new Slipway.Model.GitHubConnectionSource("example-org", "orders-service", Services.ConnectionArn),
            Build = new BuildSettings
            {
                Secrets = new[] { new BuildSecret("NPM_TOKEN", SecretStore.ParameterStore, "/ci/npm-token", "alias/ci") },
                RegistryCredentials = new RegistryCredentials(SecretStore.SecretsManager, "ci/dockerhub", "arn:aws:kms:us-east-1:111111111111:alias/ci"),
            },
            Environments = new[] { new DeploymentTarget { Name = "dev", Account = Services.Tooling, Region = "us-east-1" } },
        };
        Assert.Equal(
            new[]
            {
                "service.build.secrets[0].kmsKeyArn: \"alias/ci\" is not a KMS key ARN. Give the ARN of the key that encrypts the value, " +
                "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (IAM matches keys by key ARN, never by alias).",
                "service.build.registryCredentials.kmsKeyArn: \"arn:aws:kms:us-east-1:111111111111:alias/ci\" is not a KMS key ARN. Give the ARN of the key that encrypts the value, " +
                "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (IAM matches keys by key ARN, never by alias).",
            },
            Problems(definition));
    }
}
