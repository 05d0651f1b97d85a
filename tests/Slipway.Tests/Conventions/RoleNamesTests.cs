using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Slipway.Conventions;
using Slipway.Tests.Cli;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;

namespace Slipway.Tests.Conventions;

/// <summary>
/// Every role the stacks create falls under the pattern a scoped bootstrap execution policy
/// allows (README, cross-account delivery): a CloudFormation-generated name would fail the
/// deployment with AccessDenied in an account bootstrapped with that policy.
/// </summary>
[Collection(ExampleManifests.Name)]
public sealed class RoleNamesTests
{
    private readonly ExampleScenarios _examples;

    public RoleNamesTests(ExampleScenarios examples) => _examples = examples;

    public static TheoryData<string> Examples() => new(ExampleScenarios.Names);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Every_role_of_an_example_has_a_name_under_the_documented_pattern(string example)
    {
        var scenario = _examples[example];
        var checkedRoles = 0;
        foreach (var service in scenario.Services)
        {
            var definition = service.Pipeline.Definition;
            var pattern = RoleNames.Pattern(definition.Names(ResourceNames.DefaultSuffix));
            var like = new Regex("^" + Regex.Escape(pattern).Replace(@"\*", "[a-z0-9-]+") + "$");
            foreach (var stack in service.Runtimes.Cast<Amazon.CDK.Stack>().Append(service.Pipeline))
            {
                foreach (var (logicalId, role) in scenario.Resources(stack, "AWS::IAM::Role"))
                {
                    var name = role["Properties"]!["RoleName"];
                    Assert.True(name is JsonValue, $"{stack.StackName}/{logicalId} has no literal RoleName: {name?.ToJsonString() ?? "(none)"}");
                    Assert.Matches(like, name!.GetValue<string>());
                    Assert.InRange(name.GetValue<string>().Length, 1, ResourceNames.RoleLimit);
                    checkedRoles++;
                }
            }
        }
        // CodeBuild, action, provider, flow-log, execution, task, CodeDeploy, deploy roles...
        Assert.True(checkedRoles >= 20, $"only {checkedRoles} roles");
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Role_names_are_unique_across_an_example(string example)
    {
        var scenario = _examples[example];
        // Roles are global in an account: two stacks in one account must not share a name.
        var names = scenario.Stacks.SelectMany(stack => scenario.Resources(stack, "AWS::IAM::Role")
            .Select(r => (stack.Account, Name: r.Resource["Properties"]!["RoleName"]!.GetValue<string>()))).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Cdks_own_provider_roles_and_the_flow_log_role_get_short_names()
    {
        var scenario = _examples["s3-company"];
        var pipeline = scenario.Services[0].Pipeline;
        var staging = scenario.Services[0].Runtimes[0];

        string NameOf(Amazon.CDK.Stack stack, string logicalIdStart) => scenario.Resources(stack, "AWS::IAM::Role")
            .Single(r => r.LogicalId.StartsWith(logicalIdStart, StringComparison.Ordinal)).Resource["Properties"]!["RoleName"]!.GetValue<string>();

        Assert.Equal("acme-billing-auto-delete-objects-dev", NameOf(pipeline, "CustomS3AutoDeleteObjectsCustomResourceProviderRole"));
        Assert.Equal("acme-billing-bucket-notifications-dev", NameOf(pipeline, "BucketNotificationsHandler"));
        Assert.Equal("acme-billing-staging-restrict-default-sg-dev", NameOf(staging, "CustomVpcRestrictDefaultSGCustomResourceProviderRole"));
        Assert.Equal("acme-billing-staging-vpc-flow-logs-dev", NameOf(staging, "ServiceFlowLogRole"));
        Assert.Equal("acme-billing-pipeline-builds-imagebuild-role-dev", NameOf(pipeline, "PipelineBuildsImageBuildRole"));
    }

    [Theory]
    [InlineData(null, "orders", "orders-*")]
    [InlineData("acme", "billing", "acme-billing-*")]
    public void Pattern_is_company_and_service_then_anything(string? company, string service, string expected) =>
        Assert.Equal(expected, RoleNames.Pattern(new ResourceNames(service, "prod", "pr-42", company)));

    [Fact]
    public void Long_paths_are_shortened_with_a_hash_that_keeps_the_prefix()
    {
        var names = new ResourceNames("a-twenty-four-char-name1", "staging", "dev", "company-sixteen1");

        var name = RoleNames.NameFor(names, "Pipeline/Pipeline/Deploy-staging/IntegrationTests/CodePipelineActionRole/Resource");

        Assert.Equal(ResourceNames.RoleLimit, name.Length);
        Assert.StartsWith("company-sixteen1-a-twenty-four-char-name1-", name);
    }

    [Fact]
    public void A_pipeline_stack_used_on_its_own_names_its_roles_too()
    {
        // Without SlipwayStacks.Add: the stack names its roles itself, as a runtime stack does.
        var app = new Amazon.CDK.App();
        var stack = new Slipway.Stacks.ServicePipelineStack(app, "Pipeline", new Slipway.Stacks.ServicePipelineStackProps { Definition = Services.SingleAccount(), Suffix = "dev" });

        var roles = Amazon.CDK.Assertions.Template.FromStack(stack).FindResources("AWS::IAM::Role");

        Assert.NotEmpty(roles);
        Assert.All(roles, role =>
        {
            var properties = (IDictionary<string, object>)((IDictionary<string, object>)role.Value)["Properties"];
            Assert.True(properties.TryGetValue("RoleName", out var name) && name is string, $"{role.Key} has no literal RoleName");
            Assert.StartsWith("orders-", (string)name!);
        });
    }

    [Fact]
    public void Readme_bootstrap_policy_allows_role_actions_on_exactly_the_pattern()
    {
        var readme = File.ReadAllText(Repository.PathOf("README.md"));

        Assert.Contains("arn:aws:iam::STAGING:role/{company}-{service}-*", readme);
        Assert.Contains("arn:aws:iam::STAGING:role/{service}-*", readme);
        // The policy document itself, ready to create.
        Assert.Contains("\"iam:*Role*\"", readme);
    }
}
