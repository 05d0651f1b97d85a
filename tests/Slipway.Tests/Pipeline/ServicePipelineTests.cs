using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Slipway.Build;
using Slipway.Pipeline;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;
using Slipway.Model;

namespace Slipway.Tests.Pipeline;

public sealed class SingleAccountPipelineFixture
{
    public Scenario Scenario { get; } = new(Services.SingleAccount());
    public ServicePipelineStack Stack => Scenario.Services[0].Pipeline;
    public JsonObject PipelineProps => Scenario.Single(Stack, "AWS::CodePipeline::Pipeline")["Properties"]!.AsObject();

    public JsonElement BuildSpec(string projectId) =>
        JsonDocument.Parse(Json.Render(Scenario.Resources(Stack, "AWS::CodeBuild::Project").Single(p => p.LogicalId.Contains(projectId))
            .Resource["Properties"]!["Source"]!["BuildSpec"])).RootElement;
}

public sealed class ServicePipelineTests : IClassFixture<SingleAccountPipelineFixture>
{
    private readonly SingleAccountPipelineFixture _f;

    public ServicePipelineTests(SingleAccountPipelineFixture fixture) => _f = fixture;

    private static IEnumerable<string> Commands(JsonElement spec) =>
        spec.GetProperty("phases").EnumerateObject().SelectMany(p => p.Value.GetProperty("commands").EnumerateArray().Select(c => c.GetString()!));

    [Fact]
    public void Stages_run_source_build_checks_then_each_environment_with_approval_before_production()
    {
        var stages = _f.PipelineProps["Stages"]!.AsArray();
        Assert.Equal(new[] { "Source", "Build", "Checks", "Deploy-staging", "Approve-prod", "Deploy-prod" }, stages.Select(s => s!["Name"]!.GetValue<string>()));
        var checks = stages[2]!["Actions"]!.AsArray();
        Assert.Equal(new[] { "UnitTests", "StaticAnalysis", "ImageScan" }, checks.Select(a => a!["Name"]!.GetValue<string>()));
        Assert.Single(checks.Select(a => a!["RunOrder"]!.GetValue<int>()).Distinct());
        var staging = stages[3]!["Actions"]!.AsArray();
        // Staging's integration tests run inside the deployment (its traffic gate), not as an action.
        Assert.Equal(new[] { ("TagImage", "CodeBuild", 1), ("AlarmRollback", "CodeBuild", 1), ("Deploy", "CodeDeployToECS", 2), ("RestoreAlarmRollback", "CodeBuild", 3) },
            staging.Select(a => (a!["Name"]!.GetValue<string>(), a["ActionTypeId"]!["Provider"]!.GetValue<string>(), a["RunOrder"]!.GetValue<int>())));
        Assert.Equal("Manual", stages[4]!["Actions"]![0]!["ActionTypeId"]!["Provider"]!.GetValue<string>());
    }

    [Fact]
    public void Pipeline_is_v2_and_queues_executions()
    {
        Assert.Equal("V2", _f.PipelineProps["PipelineType"]!.GetValue<string>());
        Assert.Equal("QUEUED", _f.PipelineProps["ExecutionMode"]!.GetValue<string>());
    }

    [Fact]
    public void Approval_says_which_commit_and_image_and_links_the_previous_environment()
    {
        var approval = _f.PipelineProps["Stages"]![4]!["Actions"]![0]!["Configuration"]!;
        var info = approval["CustomData"]!.GetValue<string>();
        Assert.Contains("#{Source.CommitId}", info);
        Assert.Contains("#{Build.IMAGE_URI}", info);
        Assert.Contains("orders-staging-alb-dev", approval["ExternalEntityLink"]!.GetValue<string>());
        var topic = _f.Scenario.Resources(_f.Stack, "AWS::SNS::Topic").Single(t => t.LogicalId.Contains("ApprovalTopic")).Resource;
        var key = Json.Render(topic["Properties"]!["KmsMasterKeyId"]);
        // The approval action's role may publish to the encrypted topic: sns:Publish and the key.
        var approver = Json.Statements(_f.Scenario.Json(_f.Stack)).Where(s => s.LogicalId.StartsWith("PipelineApprovalRole", StringComparison.Ordinal)).Select(s => s.Statement).ToList();
        Assert.Contains(approver, s => Json.List(s["Action"]).Contains("sns:Publish"));
        Assert.Contains(approver, s => Json.List(s["Action"]).Contains("kms:GenerateDataKey*") && Json.List(s["Resource"]).Single() == key);
        Assert.Contains(_f.Scenario.Resources(_f.Stack, "AWS::SNS::Subscription"), s =>
            s.Resource["Properties"]!["Endpoint"]!.GetValue<string>() == "releases@example.com" && s.Resource["Properties"]!["Protocol"]!.GetValue<string>() == "email");
    }

    [Fact]
    public void Deploy_actions_use_the_generated_files_and_the_new_image()
    {
        var deploy = _f.PipelineProps["Stages"]![5]!["Actions"]!.AsArray().Single(a => a!["Name"]!.GetValue<string>() == "Deploy")!["Configuration"]!;
        Assert.Equal("taskdef-prod.json", deploy["TaskDefinitionTemplatePath"]!.GetValue<string>());
        Assert.Equal("appspec-prod.yaml", deploy["AppSpecTemplatePath"]!.GetValue<string>());
        Assert.Equal("IMAGE1_NAME", deploy["Image1ContainerName"]!.GetValue<string>());
        Assert.Equal("orders-prod-dg-dev", deploy["DeploymentGroupName"]!.GetValue<string>());
        Assert.Equal("orders-prod-deploy-dev", deploy["ApplicationName"]!.GetValue<string>());
    }

    [Fact]
    public void Generated_task_definitions_match_each_environments_runtime()
    {
        var files = Json.WrittenFiles(Commands(_f.BuildSpec("ImageBuild")));
        foreach (var runtime in _f.Scenario.Services[0].Runtimes)
        {
            var env = runtime.Names.Environment!;
            var taskdef = JsonNode.Parse(files[DeploymentFiles.TaskDefinitionFile(env)])!;
            var roleNames = _f.Scenario.Resources(runtime, "AWS::IAM::Role").Select(r => r.Resource["Properties"]!["RoleName"]?.GetValue<string>()).ToHashSet();
            Assert.Contains(taskdef["executionRoleArn"]!.GetValue<string>().Split('/')[1], roleNames);
            Assert.Contains(taskdef["taskRoleArn"]!.GetValue<string>().Split('/')[1], roleNames);
            Assert.StartsWith("arn:aws:iam::111111111111:role/", taskdef["executionRoleArn"]!.GetValue<string>());
            var runtimeTask = _f.Scenario.Single(runtime, "AWS::ECS::TaskDefinition")["Properties"]!;
            Assert.Equal(runtimeTask["Family"]!.GetValue<string>(), taskdef["family"]!.GetValue<string>());
            var container = taskdef["containerDefinitions"]![0]!;
            Assert.Equal("<IMAGE1_NAME>", container["image"]!.GetValue<string>());
            var targetGroupPort = _f.Scenario.Resources(runtime, "AWS::ElasticLoadBalancingV2::TargetGroup").First().Resource["Properties"]!["Port"]!.GetValue<int>();
            Assert.Equal(targetGroupPort, container["portMappings"]![0]!["containerPort"]!.GetValue<int>());
            var logGroups = _f.Scenario.Resources(runtime, "AWS::Logs::LogGroup").Select(l => l.Resource["Properties"]!["LogGroupName"]!.GetValue<string>());
            Assert.Contains(container["logConfiguration"]!["options"]!["awslogs-group"]!.GetValue<string>(), logGroups);
            Assert.Equal("arn:aws:secretsmanager:us-east-1:111111111111:secret:orders/db:password::", container["secrets"]![0]!["valueFrom"]!.GetValue<string>());
            Assert.Equal("info", container["environment"]![0]!["value"]!.GetValue<string>());

            var yaml = new YamlDotNet.RepresentationModel.YamlStream();
            yaml.Load(new StringReader(files[DeploymentFiles.AppSpecFile(env)]));
            var loadBalancerInfo = yaml.Documents[0].RootNode["Resources"][0]["TargetService"]["Properties"]["LoadBalancerInfo"];
            Assert.Equal("app", loadBalancerInfo["ContainerName"].ToString());
            Assert.Equal(targetGroupPort.ToString(System.Globalization.CultureInfo.InvariantCulture), loadBalancerInfo["ContainerPort"].ToString());
        }
    }

    [Fact]
    public void Image_build_pushes_with_buildx_tags_with_the_commit_and_caches_in_s3()
    {
        var spec = _f.BuildSpec("ImageBuild");
        var commands = Commands(spec).ToList();
        Assert.Contains(commands, c => c.Contains("docker buildx build") && c.Contains("--push") && c.StartsWith(BuildSpecs.Retry, StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith("COMMIT_TAG=\"${COMMIT_ID:0:12}", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith("IMAGE_TAG=\"${COMMIT_TAG//", StringComparison.Ordinal));
        Assert.Equal("linux/amd64", spec.GetProperty("env").GetProperty("variables").GetProperty("PLATFORMS").GetString());
        Assert.Contains("IMAGE_URI", spec.GetProperty("env").GetProperty("exported-variables").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("/tmp/slipway/buildx-cache/**/*", spec.GetProperty("cache").GetProperty("paths")[0].GetString());
        var project = _f.Scenario.Resources(_f.Stack, "AWS::CodeBuild::Project").Single(p => p.LogicalId.Contains("ImageBuild")).Resource["Properties"]!;
        Assert.Equal("S3", project["Cache"]!["Type"]!.GetValue<string>());
        Assert.True(project["Environment"]!["PrivilegedMode"]!.GetValue<bool>());
        Assert.Equal("BUILD_GENERAL1_SMALL", project["Environment"]!["ComputeType"]!.GetValue<string>());
        Assert.Equal("aws/codebuild/amazonlinux2-x86_64-standard:5.0", project["Environment"]!["Image"]!.GetValue<string>());
        var cache = _f.Scenario.Resources(_f.Stack, "AWS::S3::Bucket").Single(b => b.LogicalId.Contains("CacheBucket")).Resource["Properties"]!;
        Assert.Equal(7, cache["LifecycleConfiguration"]!["Rules"]![0]!["ExpirationInDays"]!.GetValue<int>());
    }

    [Fact]
    public void Unit_tests_publish_junit_results_to_a_report_group()
    {
        var spec = _f.BuildSpec("UnitTests");
        Assert.Contains("python -m pytest --junitxml=reports/junit.xml", Commands(spec));
        var report = spec.GetProperty("reports").EnumerateObject().Single();
        Assert.Matches("^<PipelineBuildsUnitTestReports[0-9A-F]+.Arn>$", report.Name);
        Assert.Equal("JUNITXML", report.Value.GetProperty("file-format").GetString());
        Assert.Single(_f.Scenario.Resources(_f.Stack, "AWS::CodeBuild::ReportGroup"));
    }

    [Fact]
    public void Bandit_fails_on_high_severity()
    {
        Assert.Contains(Commands(_f.BuildSpec("StaticAnalysis")), c => c.StartsWith("bandit -r .", StringComparison.Ordinal) && c.Contains("-lll -ii"));
    }

    [Fact]
    public void Trivy_is_pinned_checksum_verified_and_fails_on_critical()
    {
        var spec = _f.BuildSpec("ImageScan");
        var variables = spec.GetProperty("env").GetProperty("variables");
        Assert.Equal(ImageScanSettings.DefaultTrivyVersion, variables.GetProperty("TRIVY_VERSION").GetString());
        Assert.Equal("CRITICAL", variables.GetProperty("FAIL_SEVERITIES").GetString());
        Assert.Equal("public.ecr.aws/aquasecurity/trivy-db:2", variables.GetProperty("TRIVY_DB_REPOSITORY").GetString());
        var commands = Commands(spec).ToList();
        Assert.Contains(commands, c => c.Contains("sha256sum -c -"));
        Assert.Contains(commands, c => c.Contains("--exit-code 1 --severity \"$FAIL_SEVERITIES\""));
        Assert.Contains(commands, c => c.Contains("--format cyclonedx"));
        var scanAction = _f.PipelineProps["Stages"]![2]!["Actions"]!.AsArray().Single(a => a!["Name"]!.GetValue<string>() == "ImageScan")!;
        Assert.Contains("#{Build.IMAGE_URI}", scanAction["Configuration"]!["EnvironmentVariables"]!.GetValue<string>());
        Assert.Equal("ImageScanReport", scanAction["OutputArtifacts"]![0]!["Name"]!.GetValue<string>());
    }

    [Fact]
    public void Network_steps_retry()
    {
        foreach (var project in new[] { "ImageBuild", "UnitTests", "StaticAnalysis", "ImageScan" })
        {
            var network = Commands(_f.BuildSpec(project)).Where(c => Regex.IsMatch(c, @"\b(pip install|curl|docker login|npm ci|docker buildx build)\b")).ToList();
            Assert.All(network, c => Assert.Contains(BuildSpecs.Retry, c));
        }
    }

    [Fact]
    public void Buildspecs_use_only_variables_they_define_or_codebuild_provides()
    {
        var provided = new HashSet<string> { "CODEBUILD_SRC_DIR", "CODEBUILD_BUILD_NUMBER", "CODEBUILD_RESOLVED_SOURCE_VERSION", "AWS_REGION", "AWS_DEFAULT_REGION", "HOME", "PATH" };
        foreach (var (id, project) in _f.Scenario.Resources(_f.Stack, "AWS::CodeBuild::Project"))
        {
            var spec = JsonDocument.Parse(Json.Render(project["Properties"]!["Source"]!["BuildSpec"])).RootElement;
            Assert.Equal("0.2", spec.GetProperty("version").GetString());
            var env = spec.GetProperty("env");
            var defined = new[] { "variables", "parameter-store", "secrets-manager" }
                .SelectMany(k => env.TryGetProperty(k, out var m) ? m.EnumerateObject().Select(p => p.Name) : Enumerable.Empty<string>()).ToHashSet();
            var commands = Commands(spec).Where(c => !c.StartsWith("echo '", StringComparison.Ordinal)).ToList();
            var assigned = commands.SelectMany(c => Regex.Matches(c, @"(?:^|export |; )([A-Z_][A-Z0-9_]*)=").Select(m => m.Groups[1].Value)).ToHashSet();
            foreach (var command in commands)
            {
                // Skip single-quoted scripts run by the retry wrapper's own shell.
                var outside = Regex.Replace(command, "'[^']*'", "");
                foreach (Match m in Regex.Matches(outside, @"\$\{?([A-Z_][A-Z0-9_]*)"))
                {
                    var name = m.Groups[1].Value;
                    Assert.True(defined.Contains(name) || assigned.Contains(name) || provided.Contains(name), $"{id}: ${name} is neither defined nor provided in: {command}");
                }
            }
        }
    }

    [Fact]
    public void Artifact_bucket_is_versioned_encrypted_tls_only_and_expires_old_versions()
    {
        var (id, bucket) = _f.Scenario.Resources(_f.Stack, "AWS::S3::Bucket").Single(b => b.LogicalId.Contains("ArtifactBucket"));
        var props = bucket["Properties"]!;
        Assert.Equal("Enabled", props["VersioningConfiguration"]!["Status"]!.GetValue<string>());
        Assert.Equal("AES256", props["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>());
        Assert.True(props["PublicAccessBlockConfiguration"]!["BlockPublicAcls"]!.GetValue<bool>());
        var rule = props["LifecycleConfiguration"]!["Rules"]![0]!;
        Assert.Equal(90, rule["NoncurrentVersionExpiration"]!["NoncurrentDays"]!.GetValue<int>());
        Assert.Equal(7, rule["AbortIncompleteMultipartUpload"]!["DaysAfterInitiation"]!.GetValue<int>());
        var tls = Json.Statements(_f.Scenario.Json(_f.Stack)).Select(s => s.Statement)
            .Where(s => s["Effect"]!.GetValue<string>() == "Deny" && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.GetValue<string>() == "false");
        Assert.Contains(tls, s => Json.List(s["Resource"]).Any(r => r.Contains(id)));
    }

    [Fact]
    public void Image_repository_scans_on_push_with_immutable_tags_and_keeps_ten_images()
    {
        var repo = _f.Scenario.Single(_f.Stack, "AWS::ECR::Repository")["Properties"]!;
        Assert.True(repo["ImageScanningConfiguration"]!["ScanOnPush"]!.GetValue<bool>());
        Assert.Equal("IMMUTABLE", repo["ImageTagMutability"]!.GetValue<string>());
        Assert.True(repo["EmptyOnDelete"]!.GetValue<bool>());
        Assert.Contains("\"countNumber\":10", repo["LifecyclePolicy"]!["LifecyclePolicyText"]!.GetValue<string>());
    }

    [Fact]
    public void Every_deploying_role_denies_terminate_instances()
    {
        var denies = _f.Scenario.AllJson.Values.SelectMany(Json.Statements)
            .Where(s => s.Statement["Effect"]!.GetValue<string>() == "Deny" && Json.List(s.Statement["Action"]).Contains("ec2:TerminateInstances"))
            .Select(s => s.LogicalId).ToList();
        Assert.Contains(denies, id => id.StartsWith("PipelineRole", StringComparison.Ordinal));
        Assert.Equal(2, denies.Count(id => id.Contains("DeployRole")));
    }

    [Fact]
    public void No_statement_allows_every_action_on_every_resource()
    {
        foreach (var (_, statement) in _f.Scenario.AllJson.Values.SelectMany(Json.Statements))
        {
            var allActions = Json.List(statement["Action"]).Contains("*");
            var allResources = Json.List(statement["Resource"]).Contains("*");
            Assert.False(allActions && allResources && statement["Effect"]!.GetValue<string>() == "Allow", statement.ToJsonString());
        }
    }

    [Fact]
    public void Connection_source_grants_both_use_connection_actions()
    {
        var use = Json.Statements(_f.Scenario.Json(_f.Stack)).Select(s => s.Statement).Single(s => s["Sid"]?.GetValue<string>() == "UseConnection");
        Assert.Equal(new[] { "codeconnections:UseConnection", "codestar-connections:UseConnection" }, Json.List(use["Action"]).Order());
        Assert.Equal(Services.ConnectionArn, Json.List(use["Resource"]).Single());
        var source = _f.PipelineProps["Stages"]![0]!["Actions"]![0]!["Configuration"]!;
        Assert.Equal("example-org/orders-service", source["FullRepositoryId"]!.GetValue<string>());
        Assert.Equal("main", source["BranchName"]!.GetValue<string>());
    }

    [Fact]
    public void Outputs_give_pipeline_repository_and_bucket()
    {
        var outputs = _f.Scenario.Json(_f.Stack)["Outputs"]!.AsObject().Select(o => o.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "PipelineName", "PipelineArn", "RepositoryUri", "ArtifactBucketName" }, outputs);
    }

    [Fact]
    public void Integration_tests_after_the_shift_run_in_staging_with_its_role_and_parameters()
    {
        // Given tests a team asks to run after the traffic shift
        var scenario = new Scenario(Services.SingleAccount(envs => envs[0] = new Slipway.Model.DeploymentTarget
        {
            Name = "staging", Account = Services.Tooling, Region = "us-east-1",
            IntegrationTests = new Slipway.Model.IntegrationTestSettings
            {
                Command = new[] { "python", "integration/run_integration.py" }, When = Slipway.Model.IntegrationTestTiming.AfterTraffic,
            },
        }));
        var stages = scenario.Single(scenario.Services[0].Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!;
        Assert.Equal(new[] { "TagImage", "AlarmRollback", "Deploy", "RestoreAlarmRollback", "IntegrationTests" }, stages[3]!["Actions"]!.AsArray().Select(a => a!["Name"]!.GetValue<string>()));
        var action = stages[3]!["Actions"]!.AsArray().Single(a => a!["Name"]!.GetValue<string>() == "IntegrationTests")!["Configuration"]!;
        var variables = JsonNode.Parse(action["EnvironmentVariables"]!.GetValue<string>())!.AsArray()
            .ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!["value"]!.GetValue<string>());
        Assert.Equal("arn:aws:iam::111111111111:role/orders-staging-itest-dev", variables["TARGET_ROLE_ARN"]);
        Assert.Equal("[\"python\",\"integration/run_integration.py\"]", variables["TEST_COMMAND_JSON"]);
        Assert.Equal("/slipway/orders-staging-runtime-dev", variables["PARAMETER_PATH"]);
        var parameters = scenario.Resources(scenario.Services[0].Runtimes[0], "AWS::SSM::Parameter").Select(p => p.Resource["Properties"]!["Name"]!.GetValue<string>());
        Assert.Contains("/slipway/orders-staging-runtime-dev/subnets", parameters);
    }

    private static Dictionary<string, string> ActionVariables(JsonNode action) =>
        JsonNode.Parse(action["Configuration"]!["EnvironmentVariables"]!.GetValue<string>())!.AsArray()
            .ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!["value"]!.GetValue<string>());

    [Fact]
    public void Lifecycle_policy_keeps_each_environments_recent_images_before_the_last_n_rule()
    {
        var repo = _f.Scenario.Single(_f.Stack, "AWS::ECR::Repository")["Properties"]!;
        var rules = JsonNode.Parse(repo["LifecyclePolicy"]!["LifecyclePolicyText"]!.GetValue<string>())!["rules"]!.AsArray();
        var keep = ServicePipeline.PromotedImagesKept;
        Assert.Equal(
            new[]
            {
                (1, "tagged", "staging.", keep),
                (2, "tagged", "prod.", keep),
                (3, "any", "", 10),
            },
            rules.Select(r => (r!["rulePriority"]!.GetValue<int>(), r["selection"]!["tagStatus"]!.GetValue<string>(),
                string.Join(",", (r["selection"]!["tagPrefixList"] as JsonArray ?? new JsonArray()).Select(p => p!.GetValue<string>())),
                r["selection"]!["countNumber"]!.GetValue<int>())).ToArray());
        Assert.All(rules, r =>
        {
            Assert.Equal("imageCountMoreThan", r!["selection"]!["countType"]!.GetValue<string>());
            Assert.Equal("expire", r["action"]!["type"]!.GetValue<string>());
        });
    }

    [Fact]
    public void Each_deployment_first_tags_its_image_with_the_environments_prefix()
    {
        var stages = _f.PipelineProps["Stages"]!.AsArray();
        var projects = _f.Scenario.Resources(_f.Stack, "AWS::CodeBuild::Project").ToList();
        var promote = projects.Single(p => p.LogicalId.StartsWith("PipelineBuildsPromoteImage", StringComparison.Ordinal));
        foreach (var env in new[] { "staging", "prod" })
        {
            var actions = stages.Single(s => s!["Name"]!.GetValue<string>() == $"Deploy-{env}")!["Actions"]!.AsArray();
            var tag = actions.Single(a => a!["Name"]!.GetValue<string>() == "TagImage")!;
            Assert.True(tag["RunOrder"]!.GetValue<int>() < actions.Single(a => a!["Name"]!.GetValue<string>() == "Deploy")!["RunOrder"]!.GetValue<int>());
            Assert.Equal($"<{promote.LogicalId}>", Json.Render(tag["Configuration"]!["ProjectName"]));
            var variables = ActionVariables(tag);
            Assert.Equal(env, variables["ENVIRONMENT_NAME"]);
            Assert.Equal("#{Build.IMAGE_TAG}", variables["IMAGE_TAG"]);
        }
        // The tag the build adds is the prefix the lifecycle rule keeps.
        var spec = System.Text.Json.JsonDocument.Parse(Json.Render(promote.Resource["Properties"]!["Source"]!["BuildSpec"])).RootElement;
        var commands = Commands(spec).ToList();
        Assert.Contains($"PROMOTION_TAG=\"${{ENVIRONMENT_NAME}}{BuildSpecs.PromotionTagSeparator}${{IMAGE_TAG}}\"", commands);
        Assert.Contains(commands, c => c.Contains("aws ecr put-image") && c.Contains("--image-tag \"$PROMOTION_TAG\"") && c.Contains("--image-manifest \"$MANIFEST\""));
        Assert.Equal("prod" + BuildSpecs.PromotionTagSeparator, ServicePipeline.PromotionTagPrefix("prod"));
    }

    [Fact]
    public void Tagging_project_may_only_read_and_add_tags_in_the_service_repository()
    {
        var promote = _f.Scenario.Resources(_f.Stack, "AWS::CodeBuild::Project").Single(p => p.LogicalId.StartsWith("PipelineBuildsPromoteImage", StringComparison.Ordinal)).Resource;
        var role = promote["Properties"]!["ServiceRole"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var policies = _f.Scenario.Resources(_f.Stack, "AWS::IAM::Policy")
            .Where(p => p.Resource["Properties"]!["Roles"]!.AsArray().Any(r => r!["Ref"]?.GetValue<string>() == role)).Select(p => p.LogicalId).ToHashSet();
        var statements = Json.Statements(_f.Scenario.Json(_f.Stack)).Where(s => policies.Contains(s.LogicalId)).Select(s => s.Statement).ToList();
        Assert.NotEmpty(statements);
        var repository = _f.Scenario.Resources(_f.Stack, "AWS::ECR::Repository").Single().LogicalId;
        var ecr = statements.Where(s => Json.List(s["Action"]).Any(a => a.StartsWith("ecr:", StringComparison.Ordinal))).ToList();
        Assert.Equal(new[] { "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:PutImage" }, ecr.SelectMany(s => Json.List(s["Action"])).Order());
        Assert.All(ecr, s => Assert.Equal(new[] { $"<{repository}.Arn>" }, Json.List(s["Resource"])));
        var project = _f.Scenario.Resources(_f.Stack, "AWS::CodeBuild::Project").Single(p => p.LogicalId.StartsWith("PipelineBuildsPromoteImage", StringComparison.Ordinal)).Resource["Properties"]!;
        Assert.False(project["Environment"]!["PrivilegedMode"]?.GetValue<bool>() ?? false);
    }
}
