using System.Globalization;
using System.Text;

namespace Slipway.Cli.Cost;

/// <summary>The estimates of one service: each environment, the pipeline, and cheaper non-production settings.</summary>
/// <param name="Service">The service name.</param>
/// <param name="Environments">One estimate per environment, in promotion order.</param>
/// <param name="Pipeline">The pipeline stack's estimate.</param>
/// <param name="Cheaper">Non-production environments with cheaper settings.</param>
public sealed record ServiceCost(string Service, IReadOnlyList<CostEstimate> Environments, CostEstimate Pipeline, IReadOnlyList<CheaperEnvironment> Cheaper)
{
    /// <summary>All of the service's estimates.</summary>
    public IEnumerable<CostEstimate> All => Environments.Append(Pipeline);

    /// <summary>The service's monthly total.</summary>
    public decimal Total => All.Sum(e => e.Total);
}

/// <summary>Renders cost estimates as plain-text tables.</summary>
public static class CostReport
{
    /// <summary>USD with cents and thousands separators.</summary>
    public static string Money(decimal value) => "$" + value.ToString("#,0.00", CultureInfo.InvariantCulture);

    /// <summary>The whole report.</summary>
    public static string Render(IReadOnlyList<ServiceCost> services, PriceList prices)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Estimated monthly cost (USD, list prices of {prices.Date}, {prices.HoursPerMonth:0} hours a month, before free tiers, discounts and taxes).");
        sb.AppendLine("'fixed' lines are counted from the synthesized templates and run around the clock; 'assumed' lines rest on the usage assumptions listed at the end.");
        foreach (var service in services)
        {
            foreach (var estimate in service.All)
            {
                sb.AppendLine();
                Estimate(sb, estimate);
            }
            sb.AppendLine();
            sb.AppendLine($"{service.Service}: summary");
            Table(sb, new[] { "stack", "where", "fixed", "assumed", "total" },
                service.All.Select(e => new[] { e.Environment, $"{e.Account}/{e.Region}", Money(e.Fixed), Money(e.Assumed), Money(e.Total) })
                    .Append(new[] { "all", "", Money(service.All.Sum(e => e.Fixed)), Money(service.All.Sum(e => e.Assumed)), Money(service.Total) }).ToList(),
                rightAligned: new[] { 2, 3, 4 });
            if (service.Cheaper.Count > 0)
            {
                sb.AppendLine();
                sb.AppendLine($"{service.Service}: non-production environments with cheaper settings (production unchanged)");
                Table(sb, new[] { "environment", "now", "cheaper", "saving" },
                    service.Cheaper.Select(c => new[] { c.Current.Environment, Money(c.Current.Total), Money(c.Cheaper.Total), Money(c.Saving) }).ToList(),
                    rightAligned: new[] { 1, 2, 3 });
                foreach (var c in service.Cheaper)
                {
                    sb.AppendLine($"  {c.Current.Environment}: " + string.Join("; ", c.Changes) + ".");
                }
            }
        }
        if (services.Count > 1)
        {
            sb.AppendLine();
            sb.AppendLine($"All {services.Count} services: {Money(services.Sum(s => s.Total))} a month.");
        }
        sb.AppendLine();
        sb.AppendLine("Notes:");
        foreach (var note in services.SelectMany(s => s.All).SelectMany(e => e.Notes).Distinct())
        {
            sb.AppendLine($"  - {note}");
        }
        sb.AppendLine("  - Not counted: data transfer out to the internet, S3 storage of artifacts, caches and access logs, SNS, EventBridge, the Lambda functions CDK adds (bucket cleanup, delivery metrics), Secrets Manager secrets you reference, CodeDeploy (free for ECS).");
        var a = prices.Assumptions;
        sb.AppendLine($"Assumptions (src/Slipway.Cli/Cost/prices.json): NAT data {a.NatGatewayGbPerMonth} GB/month per environment; ALB {a.AlbLcus} LCU and {a.AlbPublicIpv4Addresses} public IPv4 addresses; " +
                      $"Container Insights {a.ContainerInsightsMetrics} metrics per cluster; logs {a.ApplicationLogsGbPerMonth} GB application and {a.FlowLogsGbPerMonth} GB flow logs per environment, {a.BuildLogsGbPerMonth} GB build logs per pipeline; " +
                      $"{a.PipelineRunsPerMonth} pipeline runs a month; build minutes per action {string.Join(", ", a.BuildMinutes.Select(b => $"{b.Key} {b.Value}"))}; " +
                      $"images {a.ImageGb} GB; Fargate Spot {a.FargateSpotDiscount * 100:0}% below on-demand.");
        sb.AppendLine("Sources: " + string.Join(" ", prices.Sources.Values.SelectMany(s => s).Select(s => s.Split(' ')[0]).Where(u => u.StartsWith("https://aws.amazon.com", StringComparison.Ordinal) || u.StartsWith("https://docs.aws.amazon.com", StringComparison.Ordinal)).Distinct()));
        return sb.ToString();
    }

    private static void Estimate(StringBuilder sb, CostEstimate e)
    {
        var title = e.Environment == "pipeline" ? $"{e.Service}: pipeline" : $"{e.Service}: {e.Environment}";
        sb.AppendLine($"{title} — {e.Account}/{e.Region}, stack {e.Stack}" + (e.RegionEstimated ? $" (priced as {PriceList.DefaultRegion})" : ""));
        var rows = e.Lines.Select(l => new[] { l.Item, l.Basis == CostBasis.Fixed ? "fixed" : "assumed", l.Quantity, l.UnitPrice, Money(l.Monthly) }).ToList();
        rows.Add(new[] { "total", "", "", $"fixed {Money(e.Fixed)} + assumed {Money(e.Assumed)}", Money(e.Total) });
        Table(sb, new[] { "item", "basis", "quantity", "unit price", "per month" }, rows, rightAligned: new[] { 4 });
    }

    private static void Table(StringBuilder sb, string[] header, IReadOnlyList<string[]> rows, int[] rightAligned)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => "  " + string.Join("  ", cells.Select((c, i) =>
            rightAligned.Contains(i) ? c.PadLeft(widths[i]) : i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        sb.AppendLine(Line(header));
        sb.AppendLine("  " + string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            sb.AppendLine(Line(row));
        }
    }
}
