using System.Text.Json;
using System.Text.Json.Nodes;
using Slipway.Conventions;
using Slipway.Build;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Tests.Build;

[Collection(BuildScenarioCollection.Name)]
public sealed class BuildProjectsTests
{
    private readonly BuildScenario _f;

    public BuildProjectsTests(BuildScenario fixture) => _f = fixture;

    private const string Ssm = "arn:<AWS::Partition>:ssm:us-east-1:111111111111:parameter/";
    private const string Sm = "arn:<AWS::Partition>:secretsmanager:us-east-1:111111111111:secret:";

    // What each reference in a buildspec must be granted on, written out by hand from the IAM
    // resource formats (parameter/NAME; secret:NAME-?????? for a name; an ARN as is).
    private static readonly Dictionary<string, string> ParameterResources = new()
    {
        ["/ci/npm-token"] = Ssm + "ci/npm-token",
        ["/ci/signing"] = Ssm + "ci/signing",
        ["/ci/dockerhub/username"] = Ssm + "ci/dockerhub/username",
        ["/ci/dockerhub/password"] = Ssm + "ci/dockerhub/password",
    };

    private static readonly Dictionary<string, string> SecretResources = new()
    {
        ["ci/sonar:token"] = Sm + "ci/sonar-??????",
        [BuildScenario.SecretArn + ":key"] = BuildScenario.SecretArn,
        ["ci/dockerhub:username"] = Sm + "ci/dockerhub-??????",
        ["ci/dockerhub:password"] = Sm + "ci/dockerhub-??????",
    };

    private static IEnumerable<string> Entries(JsonElement spec, string kind) =>
        spec.GetProperty("env").TryGetProperty(kind, out var entries) ? entries.EnumerateObject().Select(e => e.Value.GetString()!) : Enumerable.Empty<string>();

    private static bool Allows(IEnumerable<JsonObject> statements, string action, string resource) =>
        statements.Any(s => s["Effect"]!.GetValue<string>() == "Allow" && Json.List(s["Action"]).Contains(action) && Json.List(s["Resource"]).Contains(resource));

    [Fact]
    public void Every_buildspec_secret_is_granted_to_its_project_on_exactly_its_resource()
    {
        var checkedEntries = 0;
        for (var service = 0; service < 3; service++)
        {
            foreach (var (id, project, spec) in _f.Projects(service))
            {
                var statements = _f.RoleStatements(service, project);
                foreach (var parameter in Entries(spec, "parameter-store"))
                {
                    Assert.True(Allows(statements, "ssm:GetParameters", ParameterResources[parameter]), $"{id}: no ssm:GetParameters on {ParameterResources[parameter]}");
                    checkedEntries++;
                }
                foreach (var secret in Entries(spec, "secrets-manager"))
                {
                    Assert.True(Allows(statements, "secretsmanager:GetSecretValue", SecretResources[secret]), $"{id}: no secretsmanager:GetSecretValue on {SecretResources[secret]}");
                    checkedEntries++;
                }
                // Nothing wider than the references themselves.
                var granted = statements.Where(s => Json.List(s["Action"]).Any(a => a.StartsWith("ssm:", StringComparison.Ordinal) || a.StartsWith("secretsmanager:", StringComparison.Ordinal)))
                    .SelectMany(s => Json.List(s["Resource"])).ToHashSet();
                var expected = Entries(spec, "parameter-store").Select(p => ParameterResources[p])
                    .Concat(Entries(spec, "secrets-manager").Select(s => SecretResources[s])).ToHashSet();
                Assert.True(expected.SetEquals(granted), $"{id}: granted {string.Join(", ", granted)}; expected {string.Join(", ", expected)}");
            }
        }
        // 4 secrets in 4 projects + 2 registry credentials (service 0); 2 registry parameters (service 1).
        Assert.Equal(4 * 4 + 2 + 2, checkedEntries);
    }

    [Fact]
    public void Only_projects_whose_buildspec_uses_secrets_may_read_them()
    {
        foreach (var id in new[] { "ImageScan", "IntegrationTests", "PromoteImage" })
        {
            var (_, project, spec) = _f.Project(0, id);
            Assert.Empty(Entries(spec, "parameter-store").Concat(Entries(spec, "secrets-manager")));
            Assert.DoesNotContain(_f.RoleStatements(0, project), s => Json.List(s["Action"]).Any(a => a is "ssm:GetParameters" or "secretsmanager:GetSecretValue" or "kms:Decrypt"));
        }
        // The registry credentials are read by the image build only.
        Assert.DoesNotContain("ci/dockerhub:username", Entries(_f.Project(0, "UnitTests").Spec, "secrets-manager"));
        Assert.Contains("ci/dockerhub:username", Entries(_f.Project(0, "ImageBuild").Spec, "secrets-manager"));
    }

    [Fact]
    public void A_declared_customer_managed_key_is_granted_for_decryption_through_parameter_store_only()
    {
        foreach (var (id, project, spec) in _f.Projects(0))
        {
            var decrypt = _f.RoleStatements(0, project).Where(s => Json.List(s["Action"]).Contains("kms:Decrypt") && Json.List(s["Resource"]).Contains(BuildScenario.KeyArn)).ToList();
            if (Entries(spec, "parameter-store").Contains("/ci/signing"))
            {
                var statement = Assert.Single(decrypt);
                Assert.Equal(new[] { BuildScenario.KeyArn }, Json.List(statement["Resource"]));
                Assert.Equal("ssm.us-east-1.<AWS::URLSuffix>", Json.Render(statement["Condition"]!["StringEquals"]!["kms:ViaService"]));
            }
            else
            {
                Assert.Empty(decrypt);
            }
        }
    }

    [Fact]
    public void Integration_test_build_outlasts_the_longest_test_with_its_start_and_stop_margin()
    {
        var (_, project, spec) = _f.Project(0, "IntegrationTests");
        // staging's tests may run 45 minutes; the script needs up to 15 more to start, stop and print logs.
        Assert.Equal(IntegrationTestSettings.MaxTimeoutMinutes + DeploymentContract.IntegrationTestMarginMinutes, project["TimeoutInMinutes"]!.GetValue<int>());
        Assert.True(project["TimeoutInMinutes"]!.GetValue<int>() >= 45 + 15);
        Assert.Equal(20 + DeploymentContract.IntegrationTestMarginMinutes, _f.Project(1, "IntegrationTests").Properties["TimeoutInMinutes"]!.GetValue<int>());
        // The image build keeps its hour.
        Assert.Equal(60, _f.Project(0, "ImageBuild").Properties["TimeoutInMinutes"]!.GetValue<int>());
    }
}
