using Slipway.Cli.Manifest;
using Slipway.Cli.Tests.Manifest;

namespace Slipway.Cli.Tests.Model;

/// <summary>The hints of <c>github.environments</c> problems: which account to write.</summary>
public sealed class GitHubDeploySettingsTests
{
    // Tooling 111111111111 (pipeline), dev and staging in 222222222222, prod in 333333333333.
    private static IReadOnlyList<string> Problems(string environments)
    {
        var text = GitHubSectionFixture.Services + "github:\n  repository: example-org/orders-service\n  branches: []\n  environments: " + environments + "\n";
        return Assert.Throws<ManifestException>(() => ManifestLoader.Read("cross.yaml", text)).Problems;
    }

    [Theory]
    [InlineData("dev", "222222222222")]
    [InlineData("staging", "222222222222")]
    [InlineData("prod", "111111111111")]
    [InlineData("production", "111111111111")]
    public void An_environment_without_account_is_told_the_account_of_its_own_stacks(string name, string account)
    {
        var problem = Assert.Single(Problems($"[{name}]"));

        Assert.Contains($"github.environments[0]: \"{name}\" names no account", problem);
        Assert.Contains($"Write {{name: {name}, account: \"{account}\"}}", problem);
    }

    [Fact]
    public void An_environment_the_services_do_not_name_is_not_told_to_use_the_tooling_account()
    {
        var problem = Assert.Single(Problems("[qa]"));

        Assert.DoesNotContain("account: \"111111111111\"}", problem);
        Assert.Contains("222222222222", problem);
        Assert.Contains("333333333333", problem);
        Assert.Contains("111111111111 holds the pipeline", problem);
    }

    [Fact]
    public void A_foreign_account_is_told_the_account_of_the_environments_stacks()
    {
        var problem = Assert.Single(Problems("[{name: staging, account: \"999999999999\"}]"), p => p.Contains("environments[0].account", StringComparison.Ordinal));

        Assert.Contains("github.environments[0].account: \"999999999999\" is not an account of this app's stacks.", problem);
        Assert.Contains("Use \"222222222222\", the account of the staging stacks", problem);
    }
}
