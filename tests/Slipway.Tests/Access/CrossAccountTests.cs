using System.Text.Json.Nodes;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Access;

public sealed class CrossAccountFixture
{
    public Scenario Scenario { get; } = new(Services.CrossAccount());
    public Scenario SingleAccount { get; } = new(Services.SingleAccount());
    public Slipway.Stacks.ServicePipelineStack Pipeline => Scenario.Services[0].Pipeline;
}

public sealed class CrossAccountTests : IClassFixture<CrossAccountFixture>
{
    private const string StagingDeployRole = "arn:aws:iam::222222222222:role/orders-staging-deploy-dev";
    private const string ProdDeployRole = "arn:aws:iam::333333333333:role/orders-prod-deploy-dev";
    private readonly CrossAccountFixture _f;

    public CrossAccountTests(CrossAccountFixture fixture) => _f = fixture;

    private static IEnumerable<string> Principals(JsonObject statement) =>
        statement["Principal"] is JsonObject p && p["AWS"] is { } aws ? Json.List(aws) : Array.Empty<string>();

    // The roles of other accounts a statement admits: their accounts as principals, each narrowed
    // by ArnEquals aws:PrincipalArn (a role ARN as principal is stored by unique id and would stop
    // matching once the role is recreated).
    private static IEnumerable<string> AdmittedRoles(JsonObject statement)
    {
        var roles = statement["Condition"]?["ArnEquals"]?["aws:PrincipalArn"] is { } arns ? Json.List(arns).ToList() : new List<string>();
        var accounts = Principals(statement)
            .Select(p => System.Text.RegularExpressions.Regex.Match(p, @"^arn:(aws|<AWS::Partition>):iam::(\d{12}):root$")).Where(m => m.Success).Select(m => m.Groups[2].Value).ToHashSet();
        return roles.Where(r => accounts.Contains(r.Split(':')[4]));
    }

    private static IEnumerable<string> AdmittedRoles(IEnumerable<JsonObject> statements) =>
        statements.Where(s => s["Effect"]!.GetValue<string>() == "Allow").SelectMany(AdmittedRoles).Distinct().Order();

    [Fact]
    public void No_resource_policy_of_the_tooling_account_names_a_role_as_principal()
    {
        // Key, bucket, repository and topic policies: a role ARN written as principal is stored by
        // IAM as the role's unique id, and a runtime stack deleted and deployed again would be locked out.
        var rolePrincipals = Json.Statements(_f.Scenario.Json(_f.Pipeline))
            .SelectMany(s => Principals(s.Statement).Where(p => p.Contains(":role/", StringComparison.Ordinal)).Select(p => $"{s.LogicalId}: {p}"))
            .ToList();
        Assert.Empty(rolePrincipals);
    }

    [Fact]
    public void Artifact_key_rotates_and_admits_exactly_the_deploy_roles_from_other_accounts()
    {
        var (keyId, key) = _f.Scenario.Resources(_f.Pipeline, "AWS::KMS::Key").Single(k => k.LogicalId.Contains("ArtifactKey"));
        Assert.True(key["Properties"]!["EnableKeyRotation"]!.GetValue<bool>());
        var statements = Json.Statements(_f.Scenario.Json(_f.Pipeline)).Where(s => s.LogicalId == keyId).Select(s => s.Statement).ToList();
        var foreign = statements.SelectMany(Principals).Where(p => !p.Contains("111111111111")).Distinct().Order().ToList();
        Assert.Equal(new[] { "arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root" }, foreign);
        Assert.Equal(new[] { StagingDeployRole, ProdDeployRole }.Order(), AdmittedRoles(statements));
        // Every statement that admits another account is narrowed to the deploy role.
        Assert.All(statements.Where(s => Principals(s).Any(p => !p.Contains("111111111111"))), s => Assert.Single(AdmittedRoles(s)));
    }

    [Fact]
    public void Artifact_bucket_policy_admits_only_the_deploy_roles_from_other_accounts()
    {
        var bucketPolicy = _f.Scenario.Resources(_f.Pipeline, "AWS::S3::BucketPolicy")
            .Single(p => Json.Render(p.Resource["Properties"]!["Bucket"]).Contains("ArtifactBucket")).Resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();
        var allowStatements = bucketPolicy.Select(s => s!.AsObject()).Where(s => s["Effect"]!.GetValue<string>() == "Allow").ToList();
        var allowed = allowStatements.SelectMany(Principals).Distinct().ToList();
        // Besides the deploy roles' accounts (narrowed to the deploy roles), only this stack's own
        // bucket-emptying role (a reference, same account).
        Assert.Equal(new[] { "arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root" }, allowed.Where(p => !p.StartsWith("<", StringComparison.Ordinal)).Order());
        Assert.All(allowStatements.Where(s => Principals(s).Any(p => !p.StartsWith("<", StringComparison.Ordinal))), s => Assert.Single(AdmittedRoles(s)));
        Assert.Equal(new[] { StagingDeployRole, ProdDeployRole }.Order(), AdmittedRoles(allowStatements));
        Assert.All(allowed.Where(p => p.StartsWith("<", StringComparison.Ordinal)), p => Assert.StartsWith("<CustomS3AutoDeleteObjects", p));
    }

    [Fact]
    public void Image_repository_lets_only_the_environments_execution_roles_pull()
    {
        var policy = _f.Scenario.Single(_f.Pipeline, "AWS::ECR::Repository")["Properties"]!["RepositoryPolicyText"]!["Statement"]!.AsArray();
        var statement = Assert.Single(policy)!.AsObject();
        Assert.Equal(new[] { "arn:<AWS::Partition>:iam::222222222222:root", "arn:<AWS::Partition>:iam::333333333333:root" }, Principals(statement).Order());
        Assert.Equal(new[] { "arn:aws:iam::222222222222:role/orders-staging-task-exec-dev", "arn:aws:iam::333333333333:role/orders-prod-task-exec-dev" }, AdmittedRoles(statement).Order());
        Assert.Equal(new[] { "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer" }, Json.List(statement["Action"]).Order());
    }

    [Theory]
    [InlineData(0, "orders-staging-deploy-dev")]
    [InlineData(1, "orders-prod-deploy-dev")]
    public void Deploy_roles_trust_only_the_pipeline_role_of_the_tooling_account(int index, string roleName)
    {
        var runtime = _f.Scenario.Services[0].Runtimes[index];
        var role = _f.Scenario.Resources(runtime, "AWS::IAM::Role").Single(r => r.Resource["Properties"]!["RoleName"]?.GetValue<string>() == roleName).Resource["Properties"]!;
        var trust = Assert.Single(role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("arn:<AWS::Partition>:iam::111111111111:root", Json.Render(trust["Principal"]!["AWS"]));
        Assert.Equal("arn:aws:iam::111111111111:role/orders-pipeline-dev", trust["Condition"]!["ArnEquals"]!["aws:PrincipalArn"]!.GetValue<string>());
        var statements = Json.Statements(_f.Scenario.Json(runtime)).Where(s => s.LogicalId.StartsWith("PipelineAccessDeployRole", StringComparison.Ordinal)).Select(s => s.Statement).ToList();
        Assert.Contains(statements, s => s["Effect"]!.GetValue<string>() == "Deny" && Json.List(s["Action"]).Contains("ec2:TerminateInstances"));
        var decrypt = Assert.Single(statements, s => s["Sid"]?.GetValue<string>() == "DecryptPipelineArtifacts");
        Assert.Equal("alias/orders-artifacts-dev", decrypt["Condition"]!["ForAnyValue:StringEquals"]!["kms:ResourceAliases"]!.GetValue<string>());
        var tag = Assert.Single(statements, s => s["Sid"]?.GetValue<string>() == "TagNewTaskDefinitions");
        Assert.Equal("RegisterTaskDefinition", tag["Condition"]!["StringEquals"]!["ecs:CreateAction"]!.GetValue<string>());
        Assert.EndsWith($":task-definition/{roleName.Replace("-deploy-", "-task-")}:*", Json.List(tag["Resource"]).Single());
        Assert.Contains(statements, s => s["Sid"]?.GetValue<string>() == "PassTaskRoles" && s["Condition"]!["StringEquals"]!["iam:PassedToService"]!.GetValue<string>() == "ecs-tasks.amazonaws.com");
    }

    [Fact]
    public void Only_an_environment_with_integration_tests_has_a_role_that_may_run_test_tasks()
    {
        // staging runs integration tests (before the traffic shift, in its traffic gate), prod runs
        // the smoke test: prod holds no role with RunTask, and no environment a pipeline-assumed
        // integration-test role.
        string[] RoleNames(int index) => _f.Scenario.Resources(_f.Scenario.Services[0].Runtimes[index], "AWS::IAM::Role")
            .Select(r => r.Resource["Properties"]!["RoleName"]!.GetValue<string>()).ToArray();
        Assert.DoesNotContain(RoleNames(0).Concat(RoleNames(1)), n => n.Contains("itest", StringComparison.Ordinal));
        IEnumerable<string> RunTaskPolicies(int index) => Json.Statements(_f.Scenario.Json(_f.Scenario.Services[0].Runtimes[index]))
            .Where(s => s.Statement["Effect"]!.GetValue<string>() == "Allow" && Json.List(s.Statement["Action"]).Contains("ecs:RunTask")).Select(s => s.LogicalId);
        Assert.Equal(new[] { "TrafficGateRoleDefaultPolicy" }, RunTaskPolicies(0).Select(id => id[..^8]).Distinct());
        Assert.Empty(RunTaskPolicies(1));
    }

    [Fact]
    public void Each_deploy_action_runs_with_the_role_of_its_environments_account()
    {
        var stages = _f.Scenario.Single(_f.Pipeline, "AWS::CodePipeline::Pipeline")["Properties"]!["Stages"]!.AsArray();
        var deploys = stages.SelectMany(s => s!["Actions"]!.AsArray()).Where(a => a!["ActionTypeId"]!["Provider"]!.GetValue<string>() == "CodeDeployToECS").ToList();
        Assert.Equal(new[] { StagingDeployRole, ProdDeployRole }, deploys.Select(a => a!["RoleArn"]!.GetValue<string>()));
    }

    [Fact]
    public void Pipeline_stack_deploys_after_the_runtime_stacks_whose_roles_its_policies_name()
    {
        var dependencies = _f.Pipeline.Dependencies.Select(d => d.StackName).Order();
        Assert.Equal(_f.Scenario.Services[0].Runtimes.Select(r => r.StackName).Order(), dependencies);
    }

    [Fact]
    public void Single_account_mode_has_no_artifact_key_and_no_foreign_principals()
    {
        var single = _f.SingleAccount;
        foreach (var (_, template) in single.AllJson)
        {
            Assert.DoesNotContain("alias/orders-artifacts", template.ToJsonString());
            var principals = Json.Statements(template).SelectMany(s => Principals(s.Statement)).ToList();
            Assert.All(principals, p => Assert.DoesNotContain("222222222222", p));
            Assert.All(principals, p => Assert.DoesNotContain("333333333333", p));
        }
        var pipelineStack = single.Services[0].Pipeline;
        Assert.DoesNotContain(single.Resources(pipelineStack, "AWS::KMS::Key"), k => k.LogicalId.Contains("ArtifactKey"));
        Assert.Null(single.Single(pipelineStack, "AWS::ECR::Repository")["Properties"]!["RepositoryPolicyText"]);
    }
}
