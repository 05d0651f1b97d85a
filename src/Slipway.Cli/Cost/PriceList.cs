using System.Text.Json;
using System.Text.Json.Nodes;

namespace Slipway.Cli.Cost;

/// <summary>The list prices of one region (see prices.json).</summary>
public sealed record RegionPrices
{
    /// <summary>Fargate per vCPU-hour, by architecture (x86_64, arm64).</summary>
    public required IReadOnlyDictionary<string, decimal> FargateVcpuHour { get; init; }

    /// <summary>Fargate per GB-hour of memory, by architecture.</summary>
    public required IReadOnlyDictionary<string, decimal> FargateGbHour { get; init; }

    /// <summary>NAT gateway per hour.</summary>
    public required decimal NatGatewayHour { get; init; }

    /// <summary>NAT gateway per GB processed.</summary>
    public required decimal NatGatewayGb { get; init; }

    /// <summary>Public IPv4 address per hour.</summary>
    public required decimal PublicIpv4Hour { get; init; }

    /// <summary>Interface VPC endpoint per availability zone and hour.</summary>
    public required decimal InterfaceEndpointAzHour { get; init; }

    /// <summary>Interface VPC endpoint per GB processed.</summary>
    public required decimal InterfaceEndpointGb { get; init; }

    /// <summary>Application Load Balancer per hour.</summary>
    public required decimal AlbHour { get; init; }

    /// <summary>Application Load Balancer per LCU-hour.</summary>
    public required decimal AlbLcuHour { get; init; }

    /// <summary>Customer-managed KMS key per month.</summary>
    public required decimal KmsKeyMonth { get; init; }

    /// <summary>Standard-resolution metric alarm per month.</summary>
    public required decimal AlarmMonth { get; init; }

    /// <summary>Dashboard per month.</summary>
    public required decimal DashboardMonth { get; init; }

    /// <summary>Custom metric per month (first tier).</summary>
    public required decimal CustomMetricMonth { get; init; }

    /// <summary>CloudWatch Logs ingestion per GB.</summary>
    public required decimal LogsIngestGb { get; init; }

    /// <summary>CloudWatch Logs storage per GB-month.</summary>
    public required decimal LogsStoreGbMonth { get; init; }

    /// <summary>CodePipeline V2 per action execution minute.</summary>
    public required decimal CodePipelineV2ActionMinute { get; init; }

    /// <summary>CodeBuild per build minute, by compute type (those with a sourced price only).</summary>
    public required IReadOnlyDictionary<string, decimal> CodeBuildMinute { get; init; }

    /// <summary>ECR storage per GB-month.</summary>
    public required decimal EcrStorageGbMonth { get; init; }
}

/// <summary>The usage the estimate assumes where a template cannot say (see prices.json).</summary>
public sealed record CostAssumptions
{
    /// <summary>GB per month through an environment's NAT gateways.</summary>
    public required decimal NatGatewayGbPerMonth { get; init; }

    /// <summary>Load balancer capacity units per hour.</summary>
    public required decimal AlbLcus { get; init; }

    /// <summary>Public IPv4 addresses of an internet-facing ALB.</summary>
    public required int AlbPublicIpv4Addresses { get; init; }

    /// <summary>Custom metrics Container Insights publishes per cluster.</summary>
    public required int ContainerInsightsMetrics { get; init; }

    /// <summary>Application log GB per environment and month.</summary>
    public required decimal ApplicationLogsGbPerMonth { get; init; }

    /// <summary>VPC flow log GB per environment and month.</summary>
    public required decimal FlowLogsGbPerMonth { get; init; }

    /// <summary>Fargate Spot discount off on-demand (0.7 = 70% cheaper).</summary>
    public required decimal FargateSpotDiscount { get; init; }

    /// <summary>Pipeline executions per month.</summary>
    public required int PipelineRunsPerMonth { get; init; }

    /// <summary>Minutes a source action runs.</summary>
    public required decimal SourceActionMinutes { get; init; }

    /// <summary>Minutes a blue/green deploy action runs besides shifting and waiting.</summary>
    public required decimal DeployActionBaseMinutes { get; init; }

    /// <summary>Minutes each CodeBuild action runs, by action name.</summary>
    public required IReadOnlyDictionary<string, decimal> BuildMinutes { get; init; }

    /// <summary>Build log GB per pipeline and month.</summary>
    public required decimal BuildLogsGbPerMonth { get; init; }

    /// <summary>GB of one image.</summary>
    public required decimal ImageGb { get; init; }
}

/// <summary>
/// The prices and assumptions of prices.json (embedded in the CLI): one data file with its date
/// and sources. Regions without prices there are estimated with the default region's prices.
/// </summary>
public sealed class PriceList
{
    /// <summary>The region whose prices stand in for regions without their own.</summary>
    public const string DefaultRegion = "us-east-1";

    private readonly IReadOnlyDictionary<string, RegionPrices> _regions;

    /// <summary>The day the prices were taken from the sources.</summary>
    public required string Date { get; init; }

    /// <summary>Hours in a month (730 = 8,760 / 12).</summary>
    public required decimal HoursPerMonth { get; init; }

    /// <summary>Where each price comes from.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Sources { get; init; }

    /// <summary>The usage assumptions.</summary>
    public required CostAssumptions Assumptions { get; init; }

    private PriceList(IReadOnlyDictionary<string, RegionPrices> regions) => _regions = regions;

    /// <summary>The regions with their own prices.</summary>
    public IEnumerable<string> Regions => _regions.Keys;

    /// <summary>The prices of <paramref name="region"/>; <paramref name="estimated"/> is true when another region's stand in.</summary>
    public RegionPrices For(string region, out bool estimated)
    {
        estimated = !_regions.ContainsKey(region);
        return _regions.TryGetValue(region, out var prices) ? prices : _regions[DefaultRegion];
    }

    /// <summary>The prices shipped with Slipway (src/Slipway.Cli/Cost/prices.json).</summary>
    public static PriceList Shipped { get; } = Parse(ReadShipped());

    /// <summary>Reads a price list in the format of prices.json.</summary>
    public static PriceList Parse(string json)
    {
        var root = JsonNode.Parse(json)!;
        var regions = Required(root, "regions").AsObject().ToDictionary(r => r.Key, r => Region(r.Value!));
        if (!regions.ContainsKey(DefaultRegion))
        {
            throw new InvalidDataException($"prices.json has no prices for {DefaultRegion}.");
        }
        var a = Required(root, "assumptions");
        return new PriceList(regions)
        {
            Date = Required(root, "date").GetValue<string>(),
            HoursPerMonth = Required(root, "hoursPerMonth").GetValue<decimal>(),
            Sources = root["sources"]?.AsObject().ToDictionary(s => s.Key, s => (IReadOnlyList<string>)s.Value!.AsArray().Select(u => u!.GetValue<string>()).ToList())
                      ?? new Dictionary<string, IReadOnlyList<string>>(),
            Assumptions = new CostAssumptions
            {
                NatGatewayGbPerMonth = Required(a, "natGatewayGbPerMonth").GetValue<decimal>(),
                AlbLcus = Required(a, "albLcus").GetValue<decimal>(),
                AlbPublicIpv4Addresses = Required(a, "albPublicIpv4Addresses").GetValue<int>(),
                ContainerInsightsMetrics = Required(a, "containerInsightsMetrics").GetValue<int>(),
                ApplicationLogsGbPerMonth = Required(a, "applicationLogsGbPerMonth").GetValue<decimal>(),
                FlowLogsGbPerMonth = Required(a, "flowLogsGbPerMonth").GetValue<decimal>(),
                FargateSpotDiscount = Required(a, "fargateSpotDiscount").GetValue<decimal>(),
                PipelineRunsPerMonth = Required(a, "pipelineRunsPerMonth").GetValue<int>(),
                SourceActionMinutes = Required(a, "sourceActionMinutes").GetValue<decimal>(),
                DeployActionBaseMinutes = Required(a, "deployActionBaseMinutes").GetValue<decimal>(),
                BuildMinutes = Required(a, "buildMinutes").AsObject().ToDictionary(m => m.Key, m => m.Value!.GetValue<decimal>()),
                BuildLogsGbPerMonth = Required(a, "buildLogsGbPerMonth").GetValue<decimal>(),
                ImageGb = Required(a, "imageGb").GetValue<decimal>(),
            },
        };
    }

    // A price list value, or a message that names the missing one.
    private static JsonNode Required(JsonNode node, string key) =>
        node[key] ?? throw new InvalidDataException($"\"{key}\" is missing at {node.GetPath()}");

    private static RegionPrices Region(JsonNode r) => new()
    {
        FargateVcpuHour = Required(r, "fargate").AsObject().ToDictionary(f => f.Key, f => Required(f.Value!, "vcpuHour").GetValue<decimal>()),
        FargateGbHour = Required(r, "fargate").AsObject().ToDictionary(f => f.Key, f => Required(f.Value!, "gbHour").GetValue<decimal>()),
        NatGatewayHour = Required(r, "natGatewayHour").GetValue<decimal>(),
        NatGatewayGb = Required(r, "natGatewayGb").GetValue<decimal>(),
        PublicIpv4Hour = Required(r, "publicIpv4Hour").GetValue<decimal>(),
        InterfaceEndpointAzHour = Required(r, "interfaceEndpointAzHour").GetValue<decimal>(),
        InterfaceEndpointGb = Required(r, "interfaceEndpointGb").GetValue<decimal>(),
        AlbHour = Required(r, "albHour").GetValue<decimal>(),
        AlbLcuHour = Required(r, "albLcuHour").GetValue<decimal>(),
        KmsKeyMonth = Required(r, "kmsKeyMonth").GetValue<decimal>(),
        AlarmMonth = Required(r, "alarmMonth").GetValue<decimal>(),
        DashboardMonth = Required(r, "dashboardMonth").GetValue<decimal>(),
        CustomMetricMonth = Required(r, "customMetricMonth").GetValue<decimal>(),
        LogsIngestGb = Required(r, "logsIngestGb").GetValue<decimal>(),
        LogsStoreGbMonth = Required(r, "logsStoreGbMonth").GetValue<decimal>(),
        CodePipelineV2ActionMinute = Required(r, "codePipelineV2ActionMinute").GetValue<decimal>(),
        CodeBuildMinute = Required(r, "codeBuildMinute").AsObject().ToDictionary(c => c.Key, c => c.Value!.GetValue<decimal>()),
        EcrStorageGbMonth = Required(r, "ecrStorageGbMonth").GetValue<decimal>(),
    };

    private static string ReadShipped()
    {
        using var stream = typeof(PriceList).Assembly.GetManifestResourceStream("prices.json")
            ?? throw new InvalidOperationException("prices.json is missing from the Slipway.Cli assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
