using System.Text.Json.Nodes;
using Slipway.Build;
using Slipway.Cli.Manifest;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Manifest;

/// <summary>
/// The controls landing zones enforce on every stack (issue 14, section 1), asserted as scans:
/// every resource of the type, in every template of every example, whoever added it.
/// </summary>
[Collection(ExampleManifests.Name)]
public sealed class LandingZoneDefaultsTests
{
    private readonly ExampleScenarios _examples;

    public LandingZoneDefaultsTests(ExampleScenarios examples) => _examples = examples;

    public static TheoryData<string> Examples() => new(ExampleScenarios.Names);

    private IEnumerable<(string Stack, JsonObject Template)> Templates(string example) =>
        _examples[example].AllJson.Select(kv => (kv.Key, kv.Value));

    private static IEnumerable<(string LogicalId, JsonObject Properties)> OfType(JsonObject template, string type) =>
        template["Resources"]!.AsObject()
            .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (r.Key, r.Value!["Properties"] as JsonObject ?? new JsonObject()));

    private static IEnumerable<JsonNode?> Many(JsonNode? node) => node is JsonArray a ? a : new[] { node };

    private static JsonObject KeyPolicyOf(JsonObject template, string keyLogicalId) =>
        template["Resources"]![keyLogicalId]!["Properties"]!["KeyPolicy"]!.AsObject();

    private static string? Referenced(JsonNode? node) => node switch
    {
        JsonObject o when o["Fn::GetAtt"] is JsonArray a => a[0]!.GetValue<string>(),
        JsonObject o when o["Ref"] is JsonValue v => v.GetValue<string>(),
        _ => null,
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_log_group_is_encrypted_with_its_stacks_rotating_key_that_admits_cloudwatch_logs_for_exactly_its_groups(string example)
    {
        foreach (var (stack, template) in Templates(example))
        {
            var groups = OfType(template, "AWS::Logs::LogGroup").ToList();
            var keys = groups.Select(g => Referenced(g.Properties["KmsKeyId"]) ?? throw new Xunit.Sdk.XunitException($"{example}/{stack}: log group {g.LogicalId} has no KMS key of the stack")).Distinct().ToList();
            Assert.True(keys.Count <= 1, $"{example}/{stack}: log groups use {keys.Count} keys; one log key per stack");
            foreach (var key in keys)
            {
                Assert.True(template["Resources"]![key]!["Properties"]!["EnableKeyRotation"]!.GetValue<bool>(), $"{example}/{stack}: {key} does not rotate");
                var statement = KeyPolicyOf(template, key)["Statement"]!.AsArray().Select(s => s!.AsObject())
                    .Single(s => Json.Render(s["Principal"]?["Service"]).StartsWith("logs.", StringComparison.Ordinal));
                Assert.Equal($"logs.{Region(example, stack)}.amazonaws.com", Json.Render(statement["Principal"]!["Service"]));
                var admitted = Many(statement["Condition"]!["ArnEquals"]!["kms:EncryptionContext:aws:logs:arn"]).Select(Json.Render).Order().ToList();
                var expected = groups.Select(g => $"arn:<AWS::Partition>:logs:{Region(example, stack)}:{Account(example, stack)}:log-group:{g.Properties["LogGroupName"]!.GetValue<string>()}").Order().ToList();
                Assert.Equal(expected, admitted);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void No_subnet_assigns_public_ip_addresses(string example)
    {
        var subnets = Templates(example).SelectMany(t => OfType(t.Template, "AWS::EC2::Subnet").Select(s => (t.Stack, s.LogicalId, s.Properties))).ToList();
        Assert.All(subnets, s => Assert.False(s.Properties["MapPublicIpOnLaunch"]?.GetValue<bool>() ?? false, $"{example}/{s.Stack}: {s.LogicalId} maps public IPs"));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_container_definition_sets_a_memory_limit_the_generated_task_definitions_too(string example)
    {
        foreach (var (stack, template) in Templates(example))
        {
            foreach (var (id, props) in OfType(template, "AWS::ECS::TaskDefinition"))
            {
                Assert.All(props["ContainerDefinitions"]!.AsArray(), c =>
                    Assert.True(c!["Memory"] is not null || c["MemoryReservation"] is not null, $"{example}/{stack}: a container of {id} has no memory limit"));
            }
        }
        var services = ManifestLoader.LoadFile(Repository.PathOf(example == "slipway" ? "slipway.yaml" : $"examples/{example}.yaml"));
        foreach (var service in services)
        {
            foreach (var target in service.Environments)
            {
                var taskdef = JsonNode.Parse(DeploymentFiles.TaskDefinition(service.Names("dev").ForEnvironment(target.Name), service.Container, target))!;
                var memory = int.Parse(taskdef["memory"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
                Assert.All(taskdef["containerDefinitions"]!.AsArray(), c => Assert.Equal(memory, c!["memory"]!.GetValue<int>()));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_key_policy_limits_grant_creation_to_aws_services(string example)
    {
        foreach (var (stack, template) in Templates(example))
        {
            foreach (var (id, props) in OfType(template, "AWS::KMS::Key"))
            {
                var statements = props["KeyPolicy"]!["Statement"]!.AsArray().Select(s => s!.AsObject()).Where(s => s["Effect"]!.GetValue<string>() == "Allow").ToList();
                var grants = statements.Where(AllowsCreateGrant).ToList();
                Assert.True(grants.Count == 1, $"{example}/{stack}: {id} has {grants.Count} statements allowing kms:CreateGrant; exactly one, for AWS services only");
                var only = grants[0];
                Assert.Equal("kms:CreateGrant", only["Action"]!.GetValue<string>());
                Assert.Equal("true", only["Condition"]!["Bool"]!["kms:GrantIsForAWSResource"]!.GetValue<string>());
                Assert.Single(only["Condition"]!.AsObject());
            }
        }
    }

    // Whether an Allow statement covers kms:CreateGrant (by name, wildcard or NotAction).
    private static bool AllowsCreateGrant(JsonObject statement)
    {
        static bool Matches(string pattern) =>
            System.Text.RegularExpressions.Regex.IsMatch("kms:CreateGrant", "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (statement["Action"] is { } action)
        {
            return Many(action).Any(a => Matches(a!.GetValue<string>()));
        }
        return !Many(statement["NotAction"]).Any(a => Matches(a!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_bucket_is_versioned_expires_noncurrent_versions_disables_acls_and_gets_access_logs_by_bucket_policy(string example)
    {
        foreach (var (stack, template) in Templates(example))
        {
            foreach (var (id, props) in OfType(template, "AWS::S3::Bucket"))
            {
                var where = $"{example}/{stack}: {id}";
                Assert.True(props["VersioningConfiguration"]?["Status"]?.GetValue<string>() == "Enabled", $"{where} is not versioned");
                Assert.True((props["LifecycleConfiguration"]?["Rules"] as JsonArray ?? new JsonArray())
                    .Any(r => r!["Status"]!.GetValue<string>() == "Enabled" && r["NoncurrentVersionExpiration"]?["NoncurrentDays"] is not null), $"{where} keeps noncurrent versions forever");
                Assert.Equal("BucketOwnerEnforced", props["OwnershipControls"]?["Rules"]?[0]?["ObjectOwnership"]?.GetValue<string>());
                Assert.Null(props["AccessControl"]);
                if (props["LoggingConfiguration"] is JsonObject logging)
                {
                    var target = Referenced(logging["DestinationBucketName"]) ?? throw new Xunit.Sdk.XunitException($"{where} logs to a bucket outside the stack");
                    var prefix = logging["LogFilePrefix"]?.GetValue<string>() ?? "";
                    var policy = OfType(template, "AWS::S3::BucketPolicy").Single(p => Referenced(p.Properties["Bucket"]) == target).Properties["PolicyDocument"]!;
                    var delivery = policy["Statement"]!.AsArray().Select(s => s!.AsObject()).Single(s =>
                        Json.Render(s["Principal"]?["Service"]) == "logging.s3.amazonaws.com" && Json.Render(s["Resource"]) == $"<{target}.Arn>/{prefix}*");
                    Assert.Equal("s3:PutObject", delivery["Action"]!.GetValue<string>());
                    var source = Json.Render(delivery["Condition"]!["ArnLike"]!["aws:SourceArn"]);
                    Assert.True(source == $"<{id}.Arn>" || source == $"arn:<AWS::Partition>:s3:::{Json.Render(props["BucketName"])}", $"{where}: log delivery is not limited to this bucket ({source})");
                    Assert.Equal(Account(example, stack), delivery["Condition"]!["StringEquals"]!["aws:SourceAccount"]!.GetValue<string>());
                }
            }
        }
    }

    private string Region(string example, string stack) => _examples[example].Environments[stack].Region;

    private string Account(string example, string stack) => _examples[example].Environments[stack].Account;
}
