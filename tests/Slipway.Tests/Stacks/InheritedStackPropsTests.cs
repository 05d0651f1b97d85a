using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.CXAPI;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Stacks;
using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Stacks;

/// <summary>
/// Each stack class's inherited <see cref="StackProps"/> reach the stack: a synthesizer with its
/// own bootstrap qualifier, tags, termination protection; its name, description and environment
/// stay Slipway's unless the caller sets a name or description.
/// </summary>
public sealed class InheritedStackPropsTests : IClassFixture<InheritedStackPropsTests.Synthesized>
{
    public const string Qualifier = "custom42";

    /// <summary>One app with each of the four stack classes, all given a custom synthesizer, tags and termination protection.</summary>
    public sealed class Synthesized
    {
        public Dictionary<string, Stack> Stacks { get; } = new();
        public CloudAssembly Assembly { get; }

        public Synthesized()
        {
            var definition = Services.SingleAccount();
            var target = definition.Environments[0];
            var context = Scenario.RecordedZones(new[] { definition }).ToDictionary(z => z.Key, z => (object)z.Zones);
            var app = new App(new AppProps { Context = context, AnalyticsReporting = false });
            IStackSynthesizer Synthesizer() => new DefaultStackSynthesizer(new DefaultStackSynthesizerProps { Qualifier = Qualifier });
            var tags = new Dictionary<string, string> { ["team"] = "payments" };

            Stacks["pipeline"] = new ServicePipelineStack(app, "Pipeline", new ServicePipelineStackProps
            {
                Definition = definition, Suffix = "dev", Synthesizer = Synthesizer(), Tags = tags, TerminationProtection = true,
            });
            Stacks["runtime"] = new ServiceRuntimeStack(app, "Runtime", new ServiceRuntimeStackProps
            {
                Definition = definition, Target = target, Suffix = "dev", Synthesizer = Synthesizer(), Tags = tags, TerminationProtection = true,
                Description = "Orders in staging, owned by the payments team",
            });
            Stacks["network"] = new SharedNetworkStack(app, "Network", new SharedNetworkStackProps
            {
                Key = SharedNetworkKey.Of(definition, target, "dev"), Network = target.Network, NatGateways = 1,
                Synthesizer = Synthesizer(), Tags = tags, TerminationProtection = true, StackName = "orders-network",
            });
            Stacks["github"] = new GitHubDeployStack(app, "GitHub", new GitHubDeployStackProps
            {
                Settings = new GitHubDeploySettings { Repository = "example-org/orders-service" },
                Services = new[] { definition }, HostAccount = Services.Tooling, Suffix = "dev",
                Synthesizer = Synthesizer(), Tags = tags, TerminationProtection = true,
            });
            Assembly = app.Synth();
        }

        public CloudFormationStackArtifact Artifact(string stack) => Assembly.GetStackArtifact(Stacks[stack].ArtifactId);

        public JsonObject Template(string stack) => JsonNode.Parse(File.ReadAllText(Artifact(stack).TemplateFullPath))!.AsObject();
    }

    private readonly Synthesized _s;

    public InheritedStackPropsTests(Synthesized s) => _s = s;

    public static TheoryData<string> Stacks() => new("pipeline", "runtime", "network", "github");

    [Theory]
    [MemberData(nameof(Stacks))]
    public void A_custom_synthesizer_reaches_the_bootstrap_version_rule_and_the_deploy_role(string stack)
    {
        var template = _s.Template(stack);

        // The bootstrap version parameter the CheckBootstrapVersion rule reads names the qualifier.
        Assert.Equal($"/cdk-bootstrap/{Qualifier}/version", template["Parameters"]!["BootstrapVersion"]!["Default"]!.GetValue<string>());
        Assert.NotNull(template["Rules"]!["CheckBootstrapVersion"]);
        Assert.Contains($"cdk-{Qualifier}-deploy-role-", _s.Artifact(stack).AssumeRoleArn);
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public void Tags_reach_the_stack_which_cloudformation_propagates_to_its_resources(string stack)
    {
        // Stack tags are given to CloudFormation with the stack (cloud assembly "tags"), and
        // CloudFormation applies them to every resource that supports tags
        // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html).
        Assert.Equal("payments", _s.Artifact(stack).Tags["team"]);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(_s.Assembly.Directory, "manifest.json")))!;
        Assert.Equal("payments", manifest["artifacts"]![_s.Stacks[stack].ArtifactId]!["properties"]!["tags"]!["team"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public void Termination_protection_is_set(string stack)
    {
        Assert.True(_s.Stacks[stack].TerminationProtection);
        Assert.True(_s.Artifact(stack).TerminationProtection);
    }

    [Fact]
    public void Name_and_description_are_slipways_unless_the_caller_sets_them_and_the_environment_is_the_models()
    {
        Assert.Equal("orders-network", _s.Stacks["network"].StackName);
        Assert.Equal("Orders in staging, owned by the payments team", _s.Template("runtime")["Description"]!.GetValue<string>());
        Assert.Equal("orders-staging-runtime-dev", _s.Stacks["runtime"].StackName);
        Assert.StartsWith("Slipway delivery pipeline of orders", _s.Template("pipeline")["Description"]!.GetValue<string>());
        Assert.Equal((Services.Tooling, "us-east-1"), (_s.Stacks["runtime"].Account, _s.Stacks["runtime"].Region));
    }

    [Fact]
    public void Rejects_an_env_that_names_another_account_or_region()
    {
        var app = new App();

        var e = Assert.Throws<SlipwayValidationException>(() => new ServicePipelineStack(app, "Pipeline", new ServicePipelineStackProps
        {
            Definition = Services.SingleAccount(), Suffix = "dev",
            Env = new Amazon.CDK.Environment { Account = "999999999999", Region = "eu-west-1" },
        }));

        Assert.Equal(new[]
        {
            "ServicePipelineStackProps.Env.Account: \"999999999999\" differs from the stack's account 111111111111, which comes from the service definition. Remove Env (the stack sets it), or change the account in the definition.",
            "ServicePipelineStackProps.Env.Region: \"eu-west-1\" differs from the stack's region us-east-1, which comes from the service definition. Remove Env (the stack sets it), or change the region in the definition.",
        }, e.Problems);
    }

    [Fact]
    public void Accepts_an_env_that_repeats_the_models_account_and_region()
    {
        var app = new App();

        var stack = new ServicePipelineStack(app, "Pipeline", new ServicePipelineStackProps
        {
            Definition = Services.SingleAccount(), Suffix = "dev",
            Env = new Amazon.CDK.Environment { Account = Services.Tooling, Region = "us-east-1" },
        });

        Assert.Equal((Services.Tooling, "us-east-1"), (stack.Account, stack.Region));
    }
}
