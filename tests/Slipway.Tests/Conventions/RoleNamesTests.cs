using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Slipway.Conventions;
using Slipway.Tests.TestSupport;
using Slipway.Stacks;

namespace Slipway.Tests.Conventions;

/// <summary>
/// Every role the stacks create falls under the pattern a scoped bootstrap execution policy
/// allows (README, cross-account delivery): a CloudFormation-generated name would fail the
/// deployment with AccessDenied in an account bootstrapped with that policy.
/// </summary>
public sealed class RoleNamesTests
{
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
