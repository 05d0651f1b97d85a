using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Cli.Manifest;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests;

/// <summary>
/// Each example manifest (and the default one, as "slipway"), loaded and synthesized once, shared
/// by every test class of the <see cref="ExampleManifests"/> collection.
/// </summary>
public sealed class ExampleScenarios
{
    private readonly Dictionary<string, Scenario> _scenarios = new();

    /// <summary>The example names (file names without .yaml), and "slipway" for the default manifest.</summary>
    public static IReadOnlyList<string> Names { get; } = Directory.GetFiles(Repository.PathOf("examples"), "*.yaml")
        .Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Prepend("slipway").ToList()!;

    public Scenario this[string name]
    {
        get
        {
            if (!_scenarios.TryGetValue(name, out var scenario))
            {
                var services = ManifestLoader.LoadFile(Repository.PathOf(name == "slipway" ? "slipway.yaml" : $"examples/{name}.yaml"));
                _scenarios[name] = scenario = new Scenario(services.ToArray());
            }
            return scenario;
        }
    }
}

/// <summary>The test classes that share <see cref="ExampleScenarios"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ExampleManifests : ICollectionFixture<ExampleScenarios>
{
    public const string Name = "Example manifests";
}

/// <summary>Each example manifest with what its team asked for asserted.</summary>
[Collection(ExampleManifests.Name)]
public sealed class ExampleScenarioTests
{
    private readonly ExampleScenarios _examples;

    public ExampleScenarioTests(ExampleScenarios examples) => _examples = examples;

    [Fact]
    public void Every_example_tests_the_new_tasks_through_its_traffic_gate_before_traffic_shifts()
    {
        foreach (var name in ExampleScenarios.Names)
        {
            var s = _examples[name];
            foreach (var service in s.Services)
            {
                var buildspec = Json.Render(s.Resources(service.Pipeline, "AWS::CodeBuild::Project").Single(p => p.LogicalId.Contains("ImageBuild"))
                    .Resource["Properties"]!["Source"]!["BuildSpec"]);
                var files = Json.WrittenFiles(JsonDocument.Parse(buildspec).RootElement.GetProperty("phases").GetProperty("build")
                    .GetProperty("commands").EnumerateArray().Select(c => c.GetString()!));
                var definition = service.Pipeline.Definition;
                foreach (var (runtime, target) in service.Runtimes.Zip(definition.Environments))
                {
                    var gate = s.Resources(runtime, "AWS::Lambda::Function").Single(f => f.LogicalId.StartsWith("TrafficGateFunction", StringComparison.Ordinal)).Resource["Properties"]!;
                    var arn = $"arn:aws:lambda:{target.Region}:{target.Account}:function:{gate["FunctionName"]!.GetValue<string>()}";
                    // The deployment calls the gate after test traffic reaches the new tasks ...
                    Assert.EndsWith($"Hooks:\n  - AfterAllowTestTraffic: \"{arn}\"\n", files[Slipway.Build.DeploymentFiles.AppSpecFile(target.Name)]);
                    // ... which runs the environment's integration tests, or else the smoke test.
                    var command = Json.Render(gate["Environment"]!["Variables"]!["TEST_COMMAND"]);
                    if (target.IntegrationTests is { GateTraffic: true } tests)
                    {
                        Assert.Equal(JsonSerializer.Serialize(tests.Command), command);
                    }
                    else
                    {
                        Assert.True(command == "", $"{name}/{target.Name}: the smoke test, got {command}");
                        Assert.Equal(definition.Container.HealthCheckPath, Json.Render(gate["Environment"]!["Variables"]!["HEALTH_CHECK_PATH"]));
                    }
                }
            }
        }
    }

    private static JsonArray Stages(Scenario s) => s.Single(s.Services[0].Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!.AsArray();

    private static IEnumerable<string> StageNames(Scenario s) => Stages(s).Select(x => x!["Name"]!.GetValue<string>());

    private static JsonElement BuildSpec(Scenario s, string project) =>
        JsonDocument.Parse(Json.Render(s.Resources(s.Services[0].Pipeline, "AWS::CodeBuild::Project").Single(p => p.LogicalId.Contains(project))
            .Resource["Properties"]!["Source"]!["BuildSpec"])).RootElement;

    private static IEnumerable<JsonObject> Rules(Scenario s) =>
        s.Resources(s.Services[0].Pipeline, "AWS::Events::Rule").Select(r => r.Resource["Properties"]!.AsObject());

    private static string NotificationTopic(Scenario s) =>
        s.Resources(s.Services[0].Pipeline, "AWS::SNS::Topic").Single(t => t.LogicalId.Contains("Notifications")).LogicalId;

    private static IEnumerable<JsonObject> Alarms(Scenario s) =>
        s.Resources(s.Services[0].Pipeline, "AWS::CloudWatch::Alarm").Select(a => a.Resource["Properties"]!.AsObject());

    private static IEnumerable<JsonObject> Projects(Scenario s) =>
        s.Resources(s.Services[0].Pipeline, "AWS::CodeBuild::Project").Select(p => p.Resource["Properties"]!.AsObject());

    [Fact]
    public void Scenario_1_github_connection_two_accounts_apart_from_tooling()
    {
        var s = _examples["github-cross-account"];
        Assert.Equal("CodeStarSourceConnection", Stages(s)[0]!["Actions"]![0]!["ActionTypeId"]!["Provider"]!.GetValue<string>());
        Assert.Equal(new[] { "Source", "Build", "Checks", "Deploy-staging", "Approve-prod", "Deploy-prod" }, StageNames(s));
        Assert.Equal(new[] { "UnitTests", "ImageScan" }, Stages(s)[2]!["Actions"]!.AsArray().Select(a => a!["Name"]!.GetValue<string>()));
        // Staging's integration tests run in its deployment's traffic gate, before the shift.
        Assert.Equal(new[] { "TagImage", "AlarmRollback", "Deploy", "RestoreAlarmRollback" }, Stages(s)[3]!["Actions"]!.AsArray().Select(a => a!["Name"]!.GetValue<string>()));
        Assert.Equal("111111111111", s.Services[0].Pipeline.Account);
        Assert.Equal(new[] { "222222222222", "333333333333" }, s.Services[0].Runtimes.Select(r => r.Account));
        Assert.Equal("/ci/orders/pip-index-url", BuildSpec(s, "ImageBuild").GetProperty("env").GetProperty("parameter-store").GetProperty("PIP_INDEX_URL").GetString());
        Assert.Contains(s.Resources(s.Services[0].Pipeline, "AWS::SNS::Subscription"), x => x.Resource["Properties"]!["Endpoint"]!.GetValue<string>() == "releases@example.com");
        // Dashboards, and email on state changes.
        Assert.Single(s.Resources(s.Services[0].Pipeline, "AWS::CloudWatch::Dashboard"));
        Assert.All(s.Services[0].Runtimes, r => Assert.Single(s.Resources(r, "AWS::CloudWatch::Dashboard")));
        var topic = NotificationTopic(s);
        Assert.Contains(s.Resources(s.Services[0].Pipeline, "AWS::SNS::Subscription"), x =>
            x.Resource["Properties"]!["Endpoint"]!.GetValue<string>() == "orders-team@example.com" && Json.Render(x.Resource["Properties"]!["TopicArn"]) == $"<{topic}>");
        Assert.Contains(Rules(s), r => r["EventPattern"]!["detail-type"]![0]!.GetValue<string>() == "CodePipeline Pipeline Execution State Change"
            && r["Targets"]!.AsArray().Any(t => Json.Render(t!["Arn"]) == $"<{topic}>"));
    }

    [Fact]
    public void Scenario_1_variant_reads_the_github_token_from_secrets_manager()
    {
        var s = _examples["github-token-cross-account"];
        var source = Stages(s)[0]!["Actions"]![0]!;
        Assert.Equal("GitHub", source["ActionTypeId"]!["Provider"]!.GetValue<string>());
        Assert.StartsWith("{{resolve:secretsmanager:github-token:", source["Configuration"]!["OAuthToken"]!.GetValue<string>());
    }

    [Fact]
    public void Scenario_2_single_account_with_approvals_small_builds_ecr_image_and_sse_s3()
    {
        var s = _examples["single-account"];
        Assert.All(s.Stacks, stack => Assert.Equal("111111111111", stack.Account));
        Assert.Equal(new[] { "Source", "Build", "Checks", "Approve-staging", "Deploy-staging", "Approve-prod", "Deploy-prod" }, StageNames(s));
        Assert.All(Projects(s), p =>
        {
            Assert.Equal("BUILD_GENERAL1_SMALL", p["Environment"]!["ComputeType"]!.GetValue<string>());
            Assert.Equal("111111111111.dkr.ecr.us-east-1.amazonaws.com/build-images/standard:2026.11", p["Environment"]!["Image"]!.GetValue<string>());
            Assert.Equal("SERVICE_ROLE", p["Environment"]!["ImagePullCredentialsType"]!.GetValue<string>());
            Assert.Equal("S3", p["Cache"]!["Type"]!.GetValue<string>());
        });
        var pipeline = s.Services[0].Pipeline;
        var cache = s.Resources(pipeline, "AWS::S3::Bucket").Single(b => b.LogicalId.Contains("CacheBucket")).Resource["Properties"]!;
        Assert.Equal(7, cache["LifecycleConfiguration"]!["Rules"]![0]!["ExpirationInDays"]!.GetValue<int>());
        var artifacts = s.Resources(pipeline, "AWS::S3::Bucket").Single(b => b.LogicalId.Contains("ArtifactBucket")).Resource["Properties"]!;
        Assert.Equal("AES256", artifacts["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>());
        Assert.Equal("Enabled", artifacts["VersioningConfiguration"]!["Status"]!.GetValue<string>());
        Assert.Equal(90, artifacts["LifecycleConfiguration"]!["Rules"]![0]!["NoncurrentVersionExpiration"]!["NoncurrentDays"]!.GetValue<int>());
        Assert.Equal("ci/dockerhub:password", BuildSpec(s, "ImageBuild").GetProperty("env").GetProperty("secrets-manager").GetProperty("REGISTRY_PASSWORD").GetString());
        foreach (var runtime in s.Services[0].Runtimes)
        {
            Assert.Contains(Json.Statements(s.Json(runtime)), x => x.LogicalId.StartsWith("PipelineAccessDeployRole", StringComparison.Ordinal)
                && x.Statement["Effect"]!.GetValue<string>() == "Deny" && Json.List(x.Statement["Action"]).Contains("ec2:TerminateInstances"));
        }
        // Failure event rules to SNS.
        var topic = NotificationTopic(s);
        Assert.Contains(Rules(s), r => r["EventPattern"]!["detail"]?["state"]?.AsArray().Any(x => x!.GetValue<string>() == "FAILED") == true
            && r["Targets"]!.AsArray().Any(t => Json.Render(t!["Arn"]) == $"<{topic}>"));
    }

    [Fact]
    public void Scenario_3_python_service_with_a_created_codecommit_repository()
    {
        var s = _examples["python-codecommit"];
        var pipeline = s.Services[0].Pipeline;
        Assert.Equal("catalog-service", s.Single(pipeline, "AWS::CodeCommit::Repository")["Properties"]!["RepositoryName"]!.GetValue<string>());
        var tests = BuildSpec(s, "UnitTests");
        Assert.Equal("3.11", tests.GetProperty("phases").GetProperty("install").GetProperty("runtime-versions").GetProperty("python").GetString());
        Assert.Contains("python -m pytest", tests.GetRawText());
        Assert.Contains("bandit -r .", BuildSpec(s, "StaticAnalysis").GetRawText());
        Assert.Equal("/ci/dockerhub/username", BuildSpec(s, "ImageBuild").GetProperty("env").GetProperty("parameter-store").GetProperty("REGISTRY_USERNAME").GetString());
        foreach (var runtime in s.Services[0].Runtimes)
        {
            var privateSubnets = s.Resources(runtime, "AWS::EC2::Subnet").Where(x => x.LogicalId.Contains("private")).Select(x => x.Resource["Properties"]!["AvailabilityZone"]!.GetValue<string>());
            Assert.Equal(new[] { "us-east-1a", "us-east-1b" }, privateSubnets.Order());
            Assert.Equal(2, s.Resources(runtime, "AWS::ElasticLoadBalancingV2::TargetGroup").Count());
        }
        foreach (var stack in s.Stacks)
        {
            Assert.All(s.Resources(stack, "AWS::Logs::LogGroup"), g => Assert.Equal(30, g.Resource["Properties"]!["RetentionInDays"]!.GetValue<int>()));
        }
        var outputs = s.Json(pipeline)["Outputs"]!.AsObject();
        Assert.Contains("PipelineArn", outputs.Select(o => o.Key));
        Assert.Contains("RepositoryUri", outputs.Select(o => o.Key));
    }

    [Fact]
    public void Scenario_4_three_accounts_multi_arch_critical_gate_and_tags()
    {
        var s = _examples["three-accounts"];
        Assert.Equal(new[] { "Source", "Build", "Checks", "Deploy-dev", "Approve-staging", "Deploy-staging", "Approve-prod", "Deploy-prod" }, StageNames(s));
        Assert.Equal(new[] { "222222222222", "333333333333", "444444444444" }, s.Services[0].Runtimes.Select(r => r.Account));
        Assert.Equal("CRITICAL", BuildSpec(s, "ImageScan").GetProperty("env").GetProperty("variables").GetProperty("FAIL_SEVERITIES").GetString());
        Assert.Equal("linux/amd64,linux/arm64", BuildSpec(s, "ImageBuild").GetProperty("env").GetProperty("variables").GetProperty("PLATFORMS").GetString());
        Assert.Single(s.Resources(s.Services[0].Pipeline, "AWS::CodeBuild::ReportGroup"));
        var pipeline = s.Services[0].Pipeline;
        Assert.Contains(s.Resources(pipeline, "AWS::KMS::Key"), k => k.LogicalId.Contains("ArtifactKey"));
        var pullers = Json.List(s.Single(pipeline, "AWS::ECR::Repository")["Properties"]!["RepositoryPolicyText"]!["Statement"]![0]!["Principal"]!["AWS"]);
        Assert.Equal(3, pullers.Count);
        foreach (var stack in s.Stacks)
        {
            var environment = stack == pipeline ? "tooling" : ((Slipway.Stacks.ServiceRuntimeStack)stack).Names.Environment;
            foreach (var (id, resource) in s.Json(stack)["Resources"]!.AsObject())
            {
                if (resource!["Properties"]?["Tags"] is JsonArray tags && tags.All(t => t is JsonObject o && o.ContainsKey("Key")))
                {
                    var map = tags.ToDictionary(t => t!["Key"]!.GetValue<string>(), t => Json.Render(t!["Value"]));
                    Assert.True(map.GetValueOrDefault("Environment") == environment, $"{stack.StackName}/{id} Environment tag");
                    Assert.Equal("fulfilment", map["Project"]);
                    Assert.Equal("cc-4400", map["CostCenter"]);
                    Assert.Equal("fulfilment-team", map["Owner"]);
                }
            }
        }
        // Alarms on failed and on successful deployments, and a deployment-duration metric.
        var alarms = Alarms(s).ToList();
        Assert.Contains(alarms, a => a["Metrics"]?.AsArray().Any(m => m!["MetricStat"]?["Metric"]?["MetricName"]?.GetValue<string>() == "DeploymentFailed") == true);
        Assert.Contains(alarms, a => a["MetricName"]?.GetValue<string>() == "DeploymentSucceeded");
        Assert.All(alarms, a => Assert.NotEmpty(a["AlarmActions"]!.AsArray()));
        Assert.Contains("DeploymentDuration", Json.Render(s.Single(pipeline, "AWS::CloudWatch::Dashboard")["Properties"]!["DashboardBody"]));
        var prodGroup = s.Single(s.Services[0].Runtimes[2], "AWS::CodeDeploy::DeploymentGroup")["Properties"]!;
        Assert.Equal("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", prodGroup["DeploymentConfigName"]!.GetValue<string>());
    }

    [Fact]
    public void Scenario_5_s3_source_separate_projects_company_names_and_kms()
    {
        var s = _examples["s3-company"];
        Assert.Equal("S3", Stages(s)[0]!["Actions"]![0]!["ActionTypeId"]!["Provider"]!.GetValue<string>());
        var build = Stages(s)[1]!["Actions"]!.AsArray();
        Assert.Equal(new[] { ("Compile", 1), ("BuildImage", 2) }, build.Select(a => (a!["Name"]!.GetValue<string>(), a["RunOrder"]!.GetValue<int>())));
        Assert.Equal(new[] { "acme-billing-alarms-dev", "acme-billing-compile-dev", "acme-billing-image-build-dev", "acme-billing-image-scan-dev", "acme-billing-promote-dev", "acme-billing-unit-tests-dev" },
            Projects(s).Select(p => p["Name"]!.GetValue<string>()).Order());
        Assert.All(Projects(s), p => Assert.Equal("111111111111.dkr.ecr.us-east-1.amazonaws.com/acme/build-images:node20", p["Environment"]!["Image"]!.GetValue<string>()));
        var apps = s.Services[0].Runtimes.Select(r => s.Single(r, "AWS::CodeDeploy::Application")["Properties"]!["ApplicationName"]!.GetValue<string>());
        Assert.Equal(new[] { "acme-billing-staging-deploy-dev", "acme-billing-prod-deploy-dev" }, apps);
        foreach (var runtime in s.Services[0].Runtimes)
        {
            var group = s.Single(runtime, "AWS::CodeDeploy::DeploymentGroup")["Properties"]!;
            Assert.Contains("DEPLOYMENT_STOP_ON_ALARM", group["AutoRollbackConfiguration"]!["Events"]!.AsArray().Select(e => e!.GetValue<string>()));
        }
        var pipeline = s.Services[0].Pipeline;
        Assert.Contains(s.Resources(pipeline, "AWS::KMS::Key"), k => k.LogicalId.Contains("ArtifactKey"));
        Assert.All(s.Resources(pipeline, "AWS::Logs::LogGroup").Where(g => g.Resource["Properties"]!["LogGroupName"]!.GetValue<string>().StartsWith("/slipway/", StringComparison.Ordinal)),
            g => Assert.NotNull(g.Resource["Properties"]!["KmsKeyId"]));
        Assert.All(s.Resources(pipeline, "AWS::CodeBuild::Project"), p => Assert.NotNull(p.Resource["Properties"]!["EncryptionKey"]));
        Assert.Equal("acme-billing-pipeline-dev", s.Single(pipeline, "AWS::CloudWatch::Dashboard")["Properties"]!["DashboardName"]!.GetValue<string>());
    }

    [Fact]
    public void Scenario_5_creates_its_build_image_repository_keeping_10_images_and_the_one_in_use_and_every_project_pulls_from_it()
    {
        var s = _examples["s3-company"];
        var pipeline = s.Services[0].Pipeline;
        var (id, repository) = s.Resources(pipeline, "AWS::ECR::Repository").Single(r => r.LogicalId.Contains("BuildImageRepository"));
        var props = repository["Properties"]!;
        Assert.Equal("acme/build-images", props["RepositoryName"]!.GetValue<string>());
        Assert.Equal("IMMUTABLE", props["ImageTagMutability"]!.GetValue<string>());
        var rules = JsonNode.Parse(props["LifecyclePolicy"]!["LifecyclePolicyText"]!.GetValue<string>())!["rules"]!.AsArray();
        Assert.Equal(new[] { "tagged:node20:1", "any::10" }, rules.Select(r => $"{r!["selection"]!["tagStatus"]}:{r["selection"]!["tagPatternList"]?[0]}:{r["selection"]!["countNumber"]}"));
        foreach (var (projectId, project) in s.Resources(pipeline, "AWS::CodeBuild::Project"))
        {
            Assert.Equal("SERVICE_ROLE", project["Properties"]!["Environment"]!["ImagePullCredentialsType"]!.GetValue<string>());
            var role = Json.Render(project["Properties"]!["ServiceRole"]).Trim('<', '>').Split('.')[0];
            var pulls = Json.Statements(s.Json(pipeline)).Where(x => s.Json(pipeline)["Resources"]![x.LogicalId]!["Properties"]!["Roles"]?.AsArray().Any(r => Json.Render(r) == $"<{role}>") == true)
                .Where(x => Json.Render(x.Statement["Resource"]) == $"<{id}.Arn>").SelectMany(x => x.Statement["Action"]!.AsArray().Select(a => a!.GetValue<string>()));
            Assert.Equal(new[] { "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer" }, pulls.Order());
        }
        Assert.Contains("BuildImageRepositoryUri", s.Json(pipeline)["Outputs"]!.AsObject().Select(o => o.Key));
    }
}
