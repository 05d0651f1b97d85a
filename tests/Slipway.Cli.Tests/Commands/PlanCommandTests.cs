using System.Text.Json.Nodes;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Commands;

/// <summary>The default manifest synthesized once; each test compares it with an edited copy of that assembly.</summary>
public sealed class PlanFixture : IDisposable
{
    public string Assembly { get; } = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}");

    public PlanFixture()
    {
        var (code, _, errors) = PlanCommandTests.Run("synth", "-f", Repository.PathOf("slipway.yaml"), "-o", Assembly);
        Assert.True(code == 0, errors);
    }

    /// <summary>A copy of the assembly with <paramref name="edit"/> applied to the staging runtime stack's template.</summary>
    public string CopyWith(Action<JsonObject> edit)
    {
        var copy = Path.Combine(Path.GetTempPath(), $"plan-against-{Guid.NewGuid():N}");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(Assembly))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        var template = Path.Combine(copy, "OrdersStagingRuntimeDev.template.json");
        var json = JsonNode.Parse(File.ReadAllText(template))!.AsObject();
        edit(json["Resources"]!.AsObject());
        File.WriteAllText(template, json.ToJsonString());
        return copy;
    }

    public void Dispose()
    {
        if (Directory.Exists(Assembly))
        {
            Directory.Delete(Assembly, recursive: true);
        }
    }
}

public sealed class PlanCommandTests(PlanFixture fixture) : IClassFixture<PlanFixture>
{
    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var code = Slipway.Cli.Commands.Cli.Run(args, output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    private static (int Code, string Out, string Err) Plan(string against) =>
        Run("plan", "-f", Repository.PathOf("slipway.yaml"), "--against", against);

    private static JsonObject Resource(JsonObject resources, string type, string logicalIdStart = "") =>
        resources.Where(r => (string?)r.Value!["Type"] == type && r.Key.StartsWith(logicalIdStart, StringComparison.Ordinal))
            .Select(r => r.Value!.AsObject()).First();

    [Fact]
    public void Plan_of_an_unchanged_manifest_exits_0_and_says_everything_deploys_in_place()
    {
        var (code, output, errors) = Plan(fixture.Assembly);
        Assert.True(code == 0, output + errors);
        Assert.Contains("orders-staging-runtime-dev (111111111111/us-east-1): no changes", output);
        Assert.Contains("Plan: 0 to add, 0 to change, 0 to replace, 0 to remove; everything deploys in place.", output);
    }

    [Fact]
    public void Plan_exits_4_and_names_the_property_when_something_is_replaced()
    {
        // The earlier assembly mailed another address: the subscription is replaced (Endpoint), nothing refused.
        var against = fixture.CopyWith(r => Resource(r, "AWS::SNS::Subscription")["Properties"]!["Endpoint"] = "old-team@example.com");
        var (code, output, errors) = Plan(against);
        Assert.True(code == 4, output + errors);
        Assert.Contains("orders-staging-runtime-dev (111111111111/us-east-1):", output);
        Assert.Contains("  replaced: ObservabilityAlarmTopicordersteamexamplecom (AWS::SNS::Subscription): Endpoint changes", output);
        Assert.Contains("1 resource(s) replaced.", output);
    }

    [Fact]
    public void Plan_exits_5_and_says_what_to_do_when_a_custom_named_resource_must_be_replaced()
    {
        // The earlier assembly served port 9090: going back to 8080 replaces the custom-named target
        // groups and changes the CODE_DEPLOY service's load balancers.
        var against = fixture.CopyWith(r =>
        {
            Resource(r, "AWS::ElasticLoadBalancingV2::TargetGroup", "ServiceBlue")["Properties"]!["Port"] = 9090;
            Resource(r, "AWS::ECS::Service")["Properties"]!["LoadBalancers"]![0]!["ContainerPort"] = 9090;
        });
        var (code, output, errors) = Plan(against);
        var name = Resource(JsonNode.Parse(File.ReadAllText(Path.Combine(against, "OrdersStagingRuntimeDev.template.json")))!["Resources"]!.AsObject(),
            "AWS::ElasticLoadBalancingV2::TargetGroup", "ServiceBlue")["Properties"]!["Name"]!.GetValue<string>();
        Assert.True(code == 5, output + errors);
        Assert.Contains("  replaced: ServiceBlueTargetGroup (AWS::ElasticLoadBalancingV2::TargetGroup): Port changes", output);
        Assert.Contains($"  REFUSED:  ServiceBlueTargetGroup (AWS::ElasticLoadBalancingV2::TargetGroup) must be replaced (Port changes) but keeps its custom name Name: {name}; CloudFormation cannot replace a custom-named resource. What to do: give it a name that changes with its replacement-causing properties, or let CloudFormation name it.", output);
        Assert.Contains("  REFUSED:  Service (ECS service under the CODE_DEPLOY controller): LoadBalancers would change", output);
        Assert.Contains("change(s) would be refused: fix them before deploying.", output);
    }

    [Fact]
    public void Plan_says_to_run_the_pipeline_after_a_deploy_that_replaces_the_service()
    {
        // The earlier assembly served port 9090 with the pair of names that port gives
        // (ReplaceableNames): going back to 8080 creates a new pair beside it, which deploys.
        var against = fixture.CopyWith(r =>
        {
            foreach (var (color, id) in new[] { ("blue", "ServiceBlue"), ("green", "ServiceGreen") })
            {
                var group = Resource(r, "AWS::ElasticLoadBalancingV2::TargetGroup", id)["Properties"]!;
                group["Port"] = 9090;
                group["Name"] = $"orders-staging-{color}-dev-000000";
            }
            var service = Resource(r, "AWS::ECS::Service")["Properties"]!;
            service["LoadBalancers"]![0]!["ContainerPort"] = 9090;
            service["ServiceName"] = "orders-staging-service-dev-000000";
        });
        var (code, output, errors) = Plan(against);
        Assert.True(code == 4, output + errors);
        Assert.Contains("  replaced: Service (AWS::ECS::Service): ServiceName changes", output);
        Assert.Contains("  after deploying: a new ECS service orders-staging-service-dev-", output);
        Assert.Contains("runs the newest registered task definition revision (the last one the pipeline deployed). Run the pipeline after this deploy.", output);
        Assert.DoesNotContain("REFUSED", output);
    }

    [Fact]
    public void Plan_against_a_missing_assembly_exits_2_and_says_what_it_expected()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-assembly-{Guid.NewGuid():N}");
        var (code, output, errors) = Plan(missing);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains($"error: {missing}: no cloud assembly there. Expected the cdk.out of an earlier `slipway synth -f {Repository.PathOf("slipway.yaml")}` (a directory with manifest.json and the templates of the stacks named for this manifest); pass another with --against DIR.", errors);
    }

    [Fact]
    public void Plan_against_another_manifests_assembly_exits_2_and_names_both_sets_of_stacks()
    {
        var foreign = Path.Combine(Path.GetTempPath(), $"foreign-{Guid.NewGuid():N}");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "Other.template.json"), "{\"Resources\":{}}");
        File.WriteAllText(Path.Combine(foreign, "manifest.json"),
            "{\"version\":\"38.0.1\",\"artifacts\":{\"Other\":{\"type\":\"aws:cloudformation:stack\",\"environment\":\"aws://111111111111/us-east-1\",\"properties\":{\"templateFile\":\"Other.template.json\",\"stackName\":\"billing-prod-runtime-dev\"}}}}");
        var (code, output, errors) = Plan(foreign);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("error: none of the stacks of the earlier assembly (billing-prod-runtime-dev) is one of this manifest's (orders-staging-runtime-dev, orders-prod-runtime-dev, orders-pipeline-dev): expected an assembly synthesized from this manifest (same services, environments and suffix)", errors);
    }

    [Fact]
    public void Plan_against_a_directory_whose_manifest_is_not_json_exits_2()
    {
        var broken = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "manifest.json"), "not json");
        var (code, _, errors) = Plan(broken);
        Assert.Equal(2, code);
        Assert.Contains("manifest.json: not a cloud assembly manifest", errors);
    }
}
