using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Slipway.Conventions;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;

namespace Slipway.Cli.Tests.Conventions;

/// <summary>
/// Every role an example's stacks create falls under the pattern a scoped bootstrap execution policy
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
}
