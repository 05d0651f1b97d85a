using System.Text.Json.Nodes;
using Slipway.Conventions;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Cli.Tests.Conventions;

/// <summary>
/// What the NIST 800-53 profile hardens, asserted on examples/nist-800-53-r5.yaml (cdk-nag's
/// NIST80053R5Checks runs on the same example in build.sh), and what it refuses.
/// </summary>
[Collection(ExampleManifests.Name)]
public sealed class Nist80053R5ProfileTests
{
    private readonly Scenario _nist;
    private readonly Scenario _plain;

    public Nist80053R5ProfileTests(ExampleScenarios examples)
    {
        _nist = examples["nist-800-53-r5"];
        _plain = examples["s3-company"];
    }

    private static IEnumerable<(string LogicalId, JsonObject Properties)> OfType(JsonObject template, string type) =>
        template["Resources"]!.AsObject().Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (r.Key, r.Value!["Properties"] as JsonObject ?? new JsonObject()));

    private static IEnumerable<string> Suppressed(JsonObject template, string logicalId) =>
        (template["Resources"]![logicalId]!["Metadata"]?["cdk_nag"]?["rules_to_suppress"] as JsonArray ?? new JsonArray()).Select(r => r!["id"]!.GetValue<string>());

    [Fact]
    public void Identity_policies_are_customer_managed_policies_attached_to_the_same_roles()
    {
        foreach (var template in _nist.AllJson.Values)
        {
            Assert.Empty(OfType(template, "AWS::IAM::Policy"));
            foreach (var (id, props) in OfType(template, "AWS::IAM::ManagedPolicy"))
            {
                Assert.NotEmpty(props["Roles"]!.AsArray());
                Assert.Null(props["PolicyName"]);
            }
        }
        // Without the profile the same policies stay inline (the profile changes nothing else's shape).
        Assert.NotEmpty(_plain.AllJson.Values.SelectMany(t => OfType(t, "AWS::IAM::Policy")));
    }

    [Fact]
    public void Every_bucket_uses_kms_except_log_destinations_which_s3_and_elb_allow_only_with_sse_s3()
    {
        foreach (var template in _nist.AllJson.Values)
        {
            foreach (var (id, props) in OfType(template, "AWS::S3::Bucket"))
            {
                var algorithm = props["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>();
                if (algorithm != "aws:kms")
                {
                    Assert.Contains("AccessLogs", id);
                    Assert.Contains("NIST.800.53.R5-S3DefaultEncryptionKMS", Suppressed(template, id));
                }
                else
                {
                    Assert.NotNull(props["LoggingConfiguration"]);
                }
                Assert.Contains("NIST.800.53.R5-S3BucketReplicationEnabled", Suppressed(template, id));
            }
        }
        Assert.Contains(_nist.AllJson.Values.SelectMany(t => OfType(t, "AWS::S3::Bucket")), b => b.LogicalId.Contains("SourceBucket") && b.Properties["LoggingConfiguration"]?["LogFilePrefix"]?.GetValue<string>() == "source/");
    }

    [Fact]
    public void Every_load_balancer_is_behind_a_web_acl_with_aws_baseline_rules_logged_to_an_encrypted_group_and_listens_with_https()
    {
        foreach (var runtime in _nist.Services[0].Runtimes)
        {
            var template = _nist.Json(runtime);
            var (aclId, acl) = Assert.Single(OfType(template, "AWS::WAFv2::WebACL"));
            Assert.Equal("REGIONAL", acl["Scope"]!.GetValue<string>());
            Assert.Equal(new[] { "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet" },
                acl["Rules"]!.AsArray().Select(r => r!["Statement"]!["ManagedRuleGroupStatement"]!["Name"]!.GetValue<string>()));
            var (albId, _) = Assert.Single(OfType(template, "AWS::ElasticLoadBalancingV2::LoadBalancer"));
            var association = Assert.Single(OfType(template, "AWS::WAFv2::WebACLAssociation")).Properties;
            Assert.Equal($"<{albId}>", Json.Render(association["ResourceArn"]));
            Assert.Equal($"<{aclId}.Arn>", Json.Render(association["WebACLArn"]));
            var logging = Assert.Single(OfType(template, "AWS::WAFv2::LoggingConfiguration")).Properties;
            var destination = Json.Render(logging["LogDestinationConfigs"]![0]);
            var group = OfType(template, "AWS::Logs::LogGroup").Single(g => destination.EndsWith(":log-group:" + g.Properties["LogGroupName"]!.GetValue<string>(), StringComparison.Ordinal));
            Assert.StartsWith("aws-waf-logs-", group.Properties["LogGroupName"]!.GetValue<string>());
            Assert.NotNull(group.Properties["KmsKeyId"]);
            var listeners = OfType(template, "AWS::ElasticLoadBalancingV2::Listener").Select(l => l.Properties).ToList();
            Assert.All(listeners.Where(l => l["Protocol"]!.GetValue<string>() == "HTTP"), l =>
                Assert.Equal("redirect", l["DefaultActions"]![0]!["Type"]!.GetValue<string>()));
            Assert.Equal(2, listeners.Count(l => l["Protocol"]!.GetValue<string>() == "HTTPS"));
        }
        Assert.Empty(_plain.Services[0].Runtimes.SelectMany(r => OfType(_plain.Json(r), "AWS::WAFv2::WebACL")));
    }

    [Fact]
    public void The_delivery_metrics_function_keeps_failed_events_in_an_encrypted_dead_letter_queue()
    {
        var template = _nist.Json(_nist.Services[0].Pipeline);
        var (queueId, queue) = Assert.Single(OfType(template, "AWS::SQS::Queue"));
        Assert.True(queue["SqsManagedSseEnabled"]!.GetValue<bool>());
        Assert.Equal(14 * 24 * 3600, queue["MessageRetentionPeriod"]!.GetValue<int>());
        var function = OfType(template, "AWS::Lambda::Function").Single(f => f.LogicalId.Contains("DeliveryMetrics")).Properties;
        Assert.Equal($"<{queueId}.Arn>", Json.Render(function["DeadLetterConfig"]!["TargetArn"]));
    }

    [Fact]
    public void Requires_a_certificate_in_every_environment_and_kms_artifacts()
    {
        var definition = new ServiceDefinition
        {
            Name = "ledger",
            Source = new Slipway.Model.GitHubConnectionSource("example-org", "ledger", Services.ConnectionArn),
            Compliance = CompliancePack.Nist80053R5,
            ArtifactEncryption = ArtifactEncryption.S3Managed,
            Environments = new[] { new DeploymentTarget { Name = "dev", Account = Services.Tooling, Region = "us-east-1" } },
        };
        var v = new Validator();
        definition.Validate(v, "services[0]");
        Assert.Equal(
            new[]
            {
                "services[0].artifacts.encryption: \"s3\" cannot be used with compliance nist-800-53-r5, which encrypts every bucket that supports it with KMS (NIST.800.53.R5-S3DefaultEncryptionKMS). " +
                "Remove artifacts.encryption, or remove compliance if the team requires SSE-S3.",
                "services[0].environments[0].network.certificateArn: (missing) is required by compliance nist-800-53-r5: its listeners must be HTTPS with an ACM certificate " +
                "(NIST.800.53.R5-ELBv2ACMCertificateRequired, ALBHttpToHttpsRedirection). Set it to the ARN of an ACM certificate for the service's domain in that account and region.",
            },
            v.Problems);
    }
}
