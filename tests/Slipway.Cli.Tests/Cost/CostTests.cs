using System.Text.Json.Nodes;
using Slipway.Cli.Cost;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Tests.TestSupport;
using Slipway.Model;

namespace Slipway.Cli.Tests.Cost;

/// <summary>
/// Cost estimates of fixed templates (tests/Slipway.Cli.Tests/Cost/), with round test prices so
/// every expected figure can be checked by hand, and once with the prices Slipway ships.
/// </summary>
public sealed class CostTests
{
    private static readonly PriceList TestPrices = PriceList.Parse(File.ReadAllText(Repository.PathOf("tests/Slipway.Cli.Tests/Cost/prices.json")));

    private static JsonObject Template(string name) =>
        JsonNode.Parse(File.ReadAllText(Repository.PathOf($"tests/Slipway.Cli.Tests/Cost/{name}.template.json")))!.AsObject();

    // 512 CPU units and 1024 MiB: 0.5 vCPU and 1 GB per task; prod and staging in us-east-1.
    private static ServiceDefinition Service(string region = "us-east-1") => new()
    {
        Name = "orders",
        Source = new GitHubConnectionSource("example-org", "orders", Services.ConnectionArn),
        Container = new ContainerSettings { Cpu = 512, Memory = 1024 },
        Environments = new[]
        {
            new DeploymentTarget { Name = "staging", Account = Services.Tooling, Region = region },
            new DeploymentTarget { Name = "prod", Account = Services.Tooling, Region = region },
        },
    };

    private static decimal Line(CostEstimate e, string startsWith) => e.Lines.Single(l => l.Item.StartsWith(startsWith, StringComparison.Ordinal)).Monthly;

    [Fact]
    public void Runtime_lines_are_counted_from_the_template_and_priced_by_the_hour()
    {
        var service = Service();
        var e = new CostEstimator(TestPrices).Runtime(Template("runtime"), "orders-prod-runtime-dev", service, service.Environments[1]);

        Assert.Equal(35.04m, Line(e, "Fargate tasks (x86_64)"));      // 2 × (0.5 × 0.04 + 1 × 0.004) × 730
        Assert.Equal(73.00m, Line(e, "NAT gateways"));                // 2 × 730 × 0.05
        Assert.Equal(7.30m, Line(e, "Public IPv4 addresses (NAT")); // 2 × 730 × 0.005
        Assert.Equal(14.60m, Line(e, "Application Load Balancer"));   // 730 × 0.02
        Assert.Equal(7.30m, Line(e, "Public IPv4 addresses (internet-facing ALB)"));
        Assert.Equal(14.60m, Line(e, "Interface VPC endpoints"));     // 2 AZs × 730 × 0.01; the gateway endpoint is free
        Assert.Equal(1.00m, Line(e, "KMS keys"));
        Assert.Equal(0.40m, Line(e, "CloudWatch alarms"));
        Assert.Equal(3.00m, Line(e, "CloudWatch dashboards"));
        Assert.Equal(156.24m, e.Fixed);

        Assert.Equal(5.84m, Line(e, "ALB capacity"));                 // 1 LCU × 730 × 0.008
        Assert.Equal(9.00m, Line(e, "Container Insights"));           // 30 metrics × 0.30
        Assert.Equal(1.00m, Line(e, "NAT data processed"));           // 20 GB × 0.05
        Assert.Equal(1.06m, Line(e, "Logs: application"));            // 2 GB × 0.50 + 2 GB kept 30 days × 0.03
        Assert.Equal(0.53m, Line(e, "Logs: VPC flow logs"));          // 1 GB × 0.50 + 1 GB × 0.03
        Assert.Equal(17.43m, e.Assumed);
        Assert.Equal(173.67m, e.Total);
        Assert.All(e.Lines.Where(l => l.Item.StartsWith("ALB capacity", StringComparison.Ordinal) || l.Item.StartsWith("Logs", StringComparison.Ordinal)),
            l => Assert.Equal(CostBasis.Assumed, l.Basis));
    }

    [Fact]
    public void Fargate_is_priced_at_the_manifest_task_size_not_the_bootstrap_task_definition()
    {
        var service = Service();
        var e = new CostEstimator(TestPrices).Runtime(Template("runtime"), "s", service, service.Environments[1]);
        Assert.Contains("2 × 0.5 vCPU, 1 GB × 730 h", e.Lines.Single(l => l.Item.StartsWith("Fargate", StringComparison.Ordinal)).Quantity);
        Assert.Contains(e.Notes, n => n.Contains("256/512 bootstrap placeholder", StringComparison.Ordinal));
    }

    [Fact]
    public void Pipeline_minutes_count_every_charged_action_of_the_synthesized_pipeline()
    {
        var e = new CostEstimator(TestPrices).Pipeline(Template("pipeline"), "orders-pipeline-dev", Service());

        Assert.Equal(2.00m, Line(e, "KMS keys"));
        Assert.Equal(2.00m, e.Fixed);
        // Per run: source 1 + BuildImage 8 + UnitTests 4 + ImageScan 3 + prod deployment (6 + canary 5 + wait 10) = 37;
        // the manual approval is free. 60 runs × 37 min × 0.002.
        Assert.Equal(4.44m, Line(e, "CodePipeline V2 action minutes"));
        Assert.Equal(3.60m, Line(e, "CodeBuild BUILD_GENERAL1_SMALL"));   // 60 × (8 + 4) min × 0.005
        Assert.Equal(0.30m, Line(e, "ECR storage"));                        // 10 images × 0.3 GB × 0.10
        Assert.Equal(0.27m, Line(e, "Logs: builds"));                       // 0.5 × 0.50 + 0.5 × 0.03 = 0.265
        Assert.Equal(8.61m, e.Assumed);
        Assert.Equal(10.61m, e.Total);
        // XLARGE has no price in the test list: said, not guessed.
        Assert.Contains(e.Notes, n => n.Contains("BUILD_GENERAL1_XLARGE: no sourced price", StringComparison.Ordinal));
        Assert.DoesNotContain(e.Lines, l => l.Item.Contains("XLARGE", StringComparison.Ordinal));
    }

    [Fact]
    public void Non_production_with_one_nat_gateway_arm64_and_spot_costs_less_and_says_what_changes()
    {
        var service = Service();
        var cheaper = new CostEstimator(TestPrices).Cheaper(Template("runtime"), "s", service, service.Environments[0]);

        Assert.Equal(173.67m, cheaper.Current.Total);
        // Fargate 2 × (0.5 × 0.032 + 1 × 0.0035) × 730 × 0.3 = 8.541; one NAT gateway 36.50 and its address 3.65.
        Assert.Equal(8.54m, Line(cheaper.Cheaper, "Fargate tasks (arm64, Spot)"));
        Assert.Equal(36.50m, Line(cheaper.Cheaper, "NAT gateways"));
        Assert.Equal(3.65m, Line(cheaper.Cheaper, "Public IPv4 addresses (NAT"));
        Assert.Equal(107.02m, cheaper.Cheaper.Total);
        Assert.Equal(66.65m, cheaper.Saving);
        Assert.Equal(3, cheaper.Changes.Count);
        Assert.StartsWith("1 NAT gateway instead of 2", cheaper.Changes[0]);
    }

    [Fact]
    public void Regions_without_prices_are_estimated_with_us_east_1_and_say_so()
    {
        var service = Service("eu-west-1");
        var e = new CostEstimator(TestPrices).Runtime(Template("runtime"), "s", service, service.Environments[1]);
        Assert.True(e.RegionEstimated);
        Assert.Equal(173.67m, e.Total);
        Assert.Contains(e.Notes, n => n.Contains("eu-west-1 has no prices in prices.json", StringComparison.Ordinal));
    }

    [Fact]
    public void Shipped_prices_give_these_totals_for_the_fixture()
    {
        // Update with src/Slipway.Cli/Cost/prices.json. Fargate 2 × (0.5 × 0.04048 + 1 × 0.004445) × 730 = 36.04,
        // NAT 65.70 + 7.30, ALB 16.43 + 7.30 + 5.84, endpoints 14.60, KMS 1, alarms 0.40, dashboard 3,
        // Container Insights 9, NAT data 0.90, logs 1.06 + 0.53.
        var service = Service();
        var e = new CostEstimator(PriceList.Shipped).Runtime(Template("runtime"), "s", service, service.Environments[1]);
        Assert.Equal((151.77m, 17.33m, 169.10m), (e.Fixed, e.Assumed, e.Total));
        Assert.Equal("2026-11-23", PriceList.Shipped.Date);
        Assert.All(PriceList.Shipped.Sources.Values, urls => Assert.NotEmpty(urls));
    }

    [Fact]
    public void Cost_command_prints_every_environment_and_the_pipeline_with_totals()
    {
        var output = new StringWriter();
        var code = Slipway.Cli.Commands.Cli.Run(new[] { "cost", "-f", Repository.PathOf("slipway.yaml") }, output, new StringWriter());
        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("orders: staging — 111111111111/us-east-1, stack orders-staging-runtime-dev", text);
        Assert.Contains("orders: prod — 111111111111/us-east-1", text);
        Assert.Contains("orders: pipeline — 111111111111/us-east-1", text);
        Assert.Contains("non-production environments with cheaper settings", text);
        // The summary's "all" row is the sum of the three stacks' totals.
        var summary = text[text.IndexOf("orders: summary", StringComparison.Ordinal)..];
        var totals = summary.Split('\n').Where(l => l.TrimStart().StartsWith("staging", StringComparison.Ordinal) || l.TrimStart().StartsWith("prod", StringComparison.Ordinal)
            || l.TrimStart().StartsWith("pipeline", StringComparison.Ordinal) || l.TrimStart().StartsWith("all", StringComparison.Ordinal))
            .Take(4).Select(l => decimal.Parse(l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1].TrimStart('$'), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(totals[0] + totals[1] + totals[2], totals[3]);
    }

    [Fact]
    public void Cost_command_takes_another_price_list()
    {
        var output = new StringWriter();
        var code = Slipway.Cli.Commands.Cli.Run(new[] { "cost", "-f", Repository.PathOf("slipway.yaml"), "--prices", Repository.PathOf("tests/Slipway.Cli.Tests/Cost/prices.json") }, output, new StringWriter());
        Assert.Equal(0, code);
        Assert.Contains("list prices of 2000-01-01", output.ToString());
    }

    [Fact]
    public void A_broken_price_list_is_a_user_error()
    {
        var file = Path.Combine(Path.GetTempPath(), $"prices-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "{ \"date\": \"x\" }");
        var errors = new StringWriter();
        Assert.Equal(1, Slipway.Cli.Commands.Cli.Run(new[] { "cost", "-f", Repository.PathOf("slipway.yaml"), "--prices", file }, new StringWriter(), errors));
        Assert.Contains("not a price list in the format of src/Slipway.Cli/Cost/prices.json", errors.ToString());
    }
}
