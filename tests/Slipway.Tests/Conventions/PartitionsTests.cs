using Slipway.Build;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Pipeline;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Conventions;

/// <summary>
/// ARNs are right in every partition: templates take the stack's partition (AWS::Partition), text
/// that must be literal takes the region's partition, and the ARNs a user gives may be of any partition.
/// </summary>
public sealed class PartitionsTests
{
    [Theory]
    [InlineData("us-east-1", "aws")]
    [InlineData("eu-central-1", "aws")]
    [InlineData("us-gov-west-1", "aws-us-gov")]
    [InlineData("cn-north-1", "aws-cn")]
    [InlineData("cn-northwest-9", "aws-cn")]
    [InlineData("us-gov-central-9", "aws-us-gov")]
    public void A_regions_partition_is_known_at_synthesis(string region, string partition) =>
        Assert.Equal(partition, Partitions.OfRegion(region));

    [Fact]
    public void No_arn_in_the_library_is_built_with_a_literal_aws_partition()
    {
        // Allowed: the examples in validation messages ("is not ... (arn:aws:...)") and comments.
        var offenders = Directory.GetFiles(Repository.PathOf("src/Slipway"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .SelectMany(f => File.ReadAllLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line.Trim())))
            .Where(l => l.Text.Contains("arn:aws:", StringComparison.Ordinal) && !l.Text.StartsWith("//", StringComparison.Ordinal) && !l.Text.Contains("is not ", StringComparison.Ordinal))
            .Select(l => $"{Path.GetRelativePath(Repository.Root, l.File)}:{l.Line}: {l.Text}")
            .ToList();

        Assert.True(offenders.Count == 0, string.Join("\n", offenders));
    }

    [Fact]
    public void Generated_deployment_files_name_roles_secrets_and_the_traffic_gate_in_the_regions_partition()
    {
        var definition = Services.SingleAccount();
        var target = new DeploymentTarget { Name = "prod", Account = Services.Staging, Region = "us-gov-west-1" };
        var names = definition.Names("dev").ForEnvironment(target.Name);

        var taskdef = DeploymentFiles.TaskDefinition(names, definition.Container, target);
        var appspec = DeploymentFiles.AppSpec(definition.Container, SharedNames.TrafficGateFunctionArn(target.Account, target.Region, names));

        Assert.Contains($"\"executionRoleArn\": \"arn:aws-us-gov:iam::{Services.Staging}:role/", taskdef);
        Assert.Contains($"\"taskRoleArn\": \"arn:aws-us-gov:iam::{Services.Staging}:role/", taskdef);
        Assert.Contains($"\"valueFrom\": \"arn:aws-us-gov:secretsmanager:us-gov-west-1:{Services.Staging}:secret:orders/db", taskdef);
        Assert.Contains($"arn:aws-us-gov:lambda:us-gov-west-1:{Services.Staging}:function:", appspec);
        Assert.DoesNotContain("arn:aws:", taskdef + appspec);
    }

    public static TheoryData<string, string> OtherPartitions() => new()
    {
        { "aws-us-gov", "us-gov-west-1" },
        { "aws-cn", "cn-north-1" },
    };

    [Theory]
    [MemberData(nameof(OtherPartitions))]
    public void Certificate_connection_key_and_topic_arns_of_other_partitions_are_accepted(string partition, string region)
    {
        var problems = Problems(Definition(partition, region));

        Assert.DoesNotContain(problems, p => p.Contains($"arn:{partition}:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_fields_still_reject_an_arn_that_is_not_aws()
    {
        var problems = Problems(Definition("azure", "us-gov-west-1"));

        foreach (var field in new[] { "certificateArn", "failureTopicArn", "kmsKeyArn", "connection" })
        {
            Assert.Contains(problems, p => p.Contains(field, StringComparison.OrdinalIgnoreCase) && p.Contains("arn:azure:", StringComparison.Ordinal));
        }
    }

    private static ServiceDefinition Definition(string partition, string region)
    {
        var account = Services.Tooling;
        var baseline = Services.SingleAccount();
        return new ServiceDefinition
        {
            Name = baseline.Name,
            CostCenter = baseline.CostCenter,
            PipelineAccount = account,
            PipelineRegion = region,
            Source = new GitHubConnectionSource("example-org", "orders-service", $"arn:{partition}:codeconnections:{region}:{account}:connection/5f0e4f1e-0000-4000-8000-000000000000"),
            Build = new BuildSettings
            {
                RegistryCredentials = new RegistryCredentials(SecretStore.SecretsManager, "ci/registry", $"arn:{partition}:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            },
            Notifications = new NotificationSettings { ApprovalEmails = new[] { "releases@example.com" }, FailureTopicArn = $"arn:{partition}:sns:{region}:{account}:alerts" },
            Environments = new[]
            {
                new DeploymentTarget { Name = "staging", Account = account, Region = region },
                new DeploymentTarget
                {
                    Name = "prod", Account = account, Region = region,
                    Network = new NetworkSettings { CertificateArn = $"arn:{partition}:acm:{region}:{account}:certificate/1234abcd-12ab-34cd-56ef-1234567890ab" },
                },
            },
        };
    }

    private static IReadOnlyList<string> Problems(ServiceDefinition definition)
    {
        var v = new Validator();
        definition.Validate(v, "service");
        return v.Problems;
    }
}
