using System.Globalization;
using System.Text.Json.Nodes;
using Slipway.Runtime;
using Slipway.Model;

namespace Slipway.Cli.Cost;

/// <summary>Whether a line's quantity is read from the template or assumed.</summary>
public enum CostBasis
{
    /// <summary>Counted from the synthesized template (or the manifest), priced at list price: paid whether the service is used or not.</summary>
    Fixed,

    /// <summary>The quantity is an assumption stated in prices.json (data processed, log volume, pipeline runs).</summary>
    Assumed,
}

/// <summary>One line of an estimate.</summary>
/// <param name="Item">What is paid for.</param>
/// <param name="Quantity">How much of it, with units.</param>
/// <param name="UnitPrice">The list price used, with its unit.</param>
/// <param name="Monthly">USD per month, rounded to cents.</param>
/// <param name="Basis">Counted or assumed.</param>
public sealed record CostLine(string Item, string Quantity, string UnitPrice, decimal Monthly, CostBasis Basis);

/// <summary>The estimated monthly cost of one stack (an environment, or the pipeline).</summary>
/// <param name="Service">The service.</param>
/// <param name="Environment">The environment, or "pipeline".</param>
/// <param name="Stack">The stack name.</param>
/// <param name="Account">Its account.</param>
/// <param name="Region">Its region.</param>
/// <param name="RegionEstimated">True when the region has no prices of its own and the default region's were used.</param>
/// <param name="Lines">The lines.</param>
/// <param name="Notes">What the reader should know about these figures.</param>
public sealed record CostEstimate(string Service, string Environment, string Stack, string Account, string Region, bool RegionEstimated,
    IReadOnlyList<CostLine> Lines, IReadOnlyList<string> Notes)
{
    /// <summary>Lines counted from the template.</summary>
    public decimal Fixed => Lines.Where(l => l.Basis == CostBasis.Fixed).Sum(l => l.Monthly);

    /// <summary>Lines that rest on assumptions.</summary>
    public decimal Assumed => Lines.Where(l => l.Basis == CostBasis.Assumed).Sum(l => l.Monthly);

    /// <summary>Everything.</summary>
    public decimal Total => Fixed + Assumed;
}

/// <summary>What an environment would cost with cheaper settings, and how much less that is.</summary>
/// <param name="Current">The estimate as configured.</param>
/// <param name="Cheaper">The estimate with <paramref name="Changes"/>.</param>
/// <param name="Changes">The settings changed (only those not in effect already).</param>
public sealed record CheaperEnvironment(CostEstimate Current, CostEstimate Cheaper, IReadOnlyList<string> Changes)
{
    /// <summary>USD per month saved.</summary>
    public decimal Saving => Current.Total - Cheaper.Total;
}

/// <summary>Settings to estimate an environment with instead of its own.</summary>
/// <param name="NatGateways">At most this many NAT gateways.</param>
/// <param name="Arm64">Tasks on ARM64 (Graviton).</param>
/// <param name="Spot">Tasks on Fargate Spot.</param>
public sealed record RuntimeAlternative(int? NatGateways = null, bool Arm64 = false, bool Spot = false);

/// <summary>
/// Estimates the monthly cost of synthesized Slipway stacks from their templates: resources that
/// cost by the hour or month are counted in the template and priced at list price; what a
/// template cannot say (traffic, log volume, pipeline runs) comes from the assumptions of
/// prices.json, and every such line says so.
/// </summary>
public sealed class CostEstimator
{
    private readonly PriceList _prices;

    /// <summary>Estimates with <paramref name="prices"/>.</summary>
    public CostEstimator(PriceList prices) => _prices = prices;

    private decimal Hours => _prices.HoursPerMonth;

    private CostAssumptions A => _prices.Assumptions;

    /// <summary>
    /// The runtime stack of <paramref name="target"/>. The task size comes from the manifest: the
    /// template's task definition is the 256 CPU / 512 MiB bootstrap placeholder, and the pipeline
    /// deploys the manifest's size over it.
    /// </summary>
    public CostEstimate Runtime(JsonObject template, string stack, ServiceDefinition service, DeploymentTarget target, RuntimeAlternative? alternative = null)
    {
        var p = _prices.For(target.Region, out var estimated);
        var r = Resources(template);
        var lines = new List<CostLine>();
        var notes = new List<string>();

        // Fargate: tasks × (vCPU + memory) around the clock.
        var arm = alternative?.Arm64 == true || service.Container.Architecture == Architecture.ARM64;
        var spot = alternative?.Spot == true;
        var arch = arm ? "arm64" : "x86_64";
        var cpu = target.Cpu ?? service.Container.Cpu;
        var memory = target.Memory ?? service.Container.Memory;
        foreach (var (_, ecsService) in r.Where(x => x.Type == "AWS::ECS::Service").Select(x => (x.Id, x.Properties)))
        {
            var desired = ecsService?["DesiredCount"]?.GetValue<int>() ?? target.EffectiveDesiredCount;
            decimal vcpu = cpu / 1024m, gb = memory / 1024m;
            var hourly = vcpu * p.FargateVcpuHour[arch] + gb * p.FargateGbHour[arch];
            var factor = spot ? 1 - A.FargateSpotDiscount : 1;
            lines.Add(new CostLine($"Fargate tasks ({arch}{(spot ? ", Spot" : "")})",
                $"{desired} × {N(vcpu)} vCPU, {N(gb)} GB × {N(Hours)} h",
                $"${N(p.FargateVcpuHour[arch])}/vCPU-h, ${N(p.FargateGbHour[arch])}/GB-h" + (spot ? $", −{N(A.FargateSpotDiscount * 100)}% Spot (assumed)" : ""),
                Money(desired * hourly * Hours * factor), CostBasis.Fixed));
        }
        notes.Add($"Fargate: the task size is the manifest's ({cpu} CPU units, {memory} MiB), which the pipeline deploys; the runtime template's task definition is the 256/512 bootstrap placeholder that runs only until the first deployment. Blue/green deployments run the old and new tasks side by side for a few minutes, not counted.");

        var nat = r.Count(x => x.Type == "AWS::EC2::NatGateway");
        var eips = r.Count(x => x.Type == "AWS::EC2::EIP");
        if (alternative?.NatGateways is { } most && nat > most)
        {
            eips -= nat - most;
            nat = most;
        }
        if (nat > 0)
        {
            lines.Add(new CostLine("NAT gateways", $"{nat} × {N(Hours)} h", $"${N(p.NatGatewayHour)}/h", Money(nat * Hours * p.NatGatewayHour), CostBasis.Fixed));
        }
        if (eips > 0)
        {
            lines.Add(new CostLine("Public IPv4 addresses (NAT gateways' Elastic IPs)", $"{eips} × {N(Hours)} h", $"${N(p.PublicIpv4Hour)}/h", Money(eips * Hours * p.PublicIpv4Hour), CostBasis.Fixed));
        }

        var albs = r.Where(x => x.Type == "AWS::ElasticLoadBalancingV2::LoadBalancer"
                                && (x.Properties?["Type"]?.GetValue<string>() ?? "application") == "application").ToList();
        if (albs.Count > 0)
        {
            lines.Add(new CostLine("Application Load Balancer", $"{albs.Count} × {N(Hours)} h", $"${N(p.AlbHour)}/h", Money(albs.Count * Hours * p.AlbHour), CostBasis.Fixed));
            var internetFacing = albs.Count(x => x.Properties?["Scheme"]?.GetValue<string>() != "internal");
            if (internetFacing > 0)
            {
                var ips = internetFacing * A.AlbPublicIpv4Addresses;
                lines.Add(new CostLine("Public IPv4 addresses (internet-facing ALB)", $"{ips} × {N(Hours)} h", $"${N(p.PublicIpv4Hour)}/h", Money(ips * Hours * p.PublicIpv4Hour), CostBasis.Fixed));
            }
            lines.Add(new CostLine($"ALB capacity (assumed {N(A.AlbLcus)} LCU)", $"{albs.Count} × {N(A.AlbLcus)} LCU × {N(Hours)} h", $"${N(p.AlbLcuHour)}/LCU-h",
                Money(albs.Count * A.AlbLcus * Hours * p.AlbLcuHour), CostBasis.Assumed));
        }

        var endpointAzs = r.Where(x => x.Type == "AWS::EC2::VPCEndpoint" && x.Properties?["VpcEndpointType"]?.GetValue<string>() == "Interface")
            .Sum(x => Math.Max(1, (x.Properties?["SubnetIds"] as JsonArray)?.Count ?? 1));
        if (endpointAzs > 0)
        {
            lines.Add(new CostLine("Interface VPC endpoints", $"{endpointAzs} endpoint-AZs × {N(Hours)} h", $"${N(p.InterfaceEndpointAzHour)}/AZ-h",
                Money(endpointAzs * Hours * p.InterfaceEndpointAzHour), CostBasis.Fixed));
        }

        AddMonitoring(lines, r, p);
        var insights = r.Count(x => x.Type == "AWS::ECS::Cluster" && (x.Properties?["ClusterSettings"] as JsonArray ?? new JsonArray())
            .Any(s => s?["Name"]?.GetValue<string>() == "containerInsights" && s["Value"]?.GetValue<string>() == "enabled"));
        if (insights > 0)
        {
            var metrics = insights * A.ContainerInsightsMetrics;
            lines.Add(new CostLine($"Container Insights (assumed {A.ContainerInsightsMetrics} metrics per cluster)", $"{metrics} metrics", $"${N(p.CustomMetricMonth)}/metric-month",
                Money(metrics * p.CustomMetricMonth), CostBasis.Assumed));
        }
        if (nat > 0)
        {
            lines.Add(new CostLine($"NAT data processed (assumed {N(A.NatGatewayGbPerMonth)} GB)", $"{N(A.NatGatewayGbPerMonth)} GB", $"${N(p.NatGatewayGb)}/GB",
                Money(A.NatGatewayGbPerMonth * p.NatGatewayGb), CostBasis.Assumed));
        }

        // Log groups: the one the VPC flow log writes to, and the application's.
        var flowLogGroups = r.Where(x => x.Type == "AWS::EC2::FlowLog").Select(x => x.Properties?["LogGroupName"]?["Ref"]?.GetValue<string>()).ToHashSet();
        var logGroups = r.Where(x => x.Type == "AWS::Logs::LogGroup").ToList();
        if (logGroups.FirstOrDefault(g => !flowLogGroups.Contains(g.Id)) is { Id: not null } app)
        {
            AddLogs(lines, "Logs: application", A.ApplicationLogsGbPerMonth, Retention(app.Properties), p);
        }
        if (logGroups.FirstOrDefault(g => flowLogGroups.Contains(g.Id)) is { Id: not null } flow)
        {
            AddLogs(lines, "Logs: VPC flow logs", A.FlowLogsGbPerMonth, Retention(flow.Properties), p);
        }
        if (estimated)
        {
            notes.Add($"{target.Region} has no prices in prices.json: estimated with {PriceList.DefaultRegion} list prices, which may differ.");
        }
        return new CostEstimate(service.Name, target.Name, stack, target.Account, target.Region, estimated, lines, notes);
    }

    /// <summary>The pipeline stack of <paramref name="service"/>.</summary>
    public CostEstimate Pipeline(JsonObject template, string stack, ServiceDefinition service)
    {
        var p = _prices.For(service.ToolingRegion, out var estimated);
        var r = Resources(template);
        var lines = new List<CostLine>();
        var notes = new List<string>();

        AddMonitoring(lines, r, p);

        // Action execution minutes per run, from the synthesized pipeline's actions.
        var projects = r.Where(x => x.Type == "AWS::CodeBuild::Project").ToDictionary(x => x.Id, x => x.Properties?["Environment"]?["ComputeType"]?.GetValue<string>() ?? "BUILD_GENERAL1_SMALL");
        decimal actionMinutes = 0;
        var buildMinutes = new Dictionary<string, decimal>();
        var unknown = new List<string>();
        foreach (var pipeline in r.Where(x => x.Type == "AWS::CodePipeline::Pipeline"))
        {
            foreach (var stage in pipeline.Properties?["Stages"] as JsonArray ?? new JsonArray())
            {
                var stageName = stage!["Name"]!.GetValue<string>();
                foreach (var action in stage["Actions"] as JsonArray ?? new JsonArray())
                {
                    var name = action!["Name"]!.GetValue<string>();
                    var type = action["ActionTypeId"]!;
                    switch (type["Category"]!.GetValue<string>(), type["Provider"]!.GetValue<string>())
                    {
                        case ("Approval", _):
                            break; // Manual approvals are not charged.
                        case ("Source", _):
                            actionMinutes += A.SourceActionMinutes;
                            break;
                        case (_, "CodeDeployToECS"):
                            actionMinutes += A.DeployActionBaseMinutes + DeployMinutes(service, stageName);
                            break;
                        case (_, "CodeBuild"):
                            if (!A.BuildMinutes.TryGetValue(name, out var minutes))
                            {
                                minutes = A.BuildMinutes.Values.Max();
                                unknown.Add(name);
                            }
                            actionMinutes += minutes;
                            var project = action["Configuration"]?["ProjectName"]?["Ref"]?.GetValue<string>();
                            var computeType = project is not null && projects.TryGetValue(project, out var c) ? c : "BUILD_GENERAL1_SMALL";
                            buildMinutes[computeType] = buildMinutes.GetValueOrDefault(computeType) + minutes;
                            break;
                        default:
                            actionMinutes += A.BuildMinutes.Values.Max();
                            unknown.Add(name);
                            break;
                    }
                }
            }
        }
        var runs = A.PipelineRunsPerMonth;
        lines.Add(new CostLine($"CodePipeline V2 action minutes (assumed {runs} runs)", $"{runs} × {N(actionMinutes)} min", $"${N(p.CodePipelineV2ActionMinute)}/action-min",
            Money(runs * actionMinutes * p.CodePipelineV2ActionMinute), CostBasis.Assumed));
        foreach (var (computeType, minutes) in buildMinutes.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            if (p.CodeBuildMinute.TryGetValue(computeType, out var perMinute))
            {
                lines.Add(new CostLine($"CodeBuild {computeType} (assumed {runs} runs)", $"{runs} × {N(minutes)} min", $"${N(perMinute)}/min",
                    Money(runs * minutes * perMinute), CostBasis.Assumed));
            }
            else
            {
                notes.Add($"CodeBuild {computeType}: no sourced price in prices.json; {runs} × {N(minutes)} build minutes a month are not counted.");
            }
        }
        var keep = service.ImageRetentionCount;
        var imageGb = A.ImageGb * (service.Build.MultiArchitecture ? 2 : 1);
        lines.Add(new CostLine($"ECR storage (assumed {N(imageGb)} GB per image)", $"{keep} images × {N(imageGb)} GB", $"${N(p.EcrStorageGbMonth)}/GB-month",
            Money(keep * imageGb * p.EcrStorageGbMonth), CostBasis.Assumed));
        if (r.FirstOrDefault(x => x.Type == "AWS::Logs::LogGroup") is { Id: not null } buildLogs)
        {
            AddLogs(lines, "Logs: builds", A.BuildLogsGbPerMonth, Retention(buildLogs.Properties), p);
        }
        notes.Add($"Pipeline: action minutes per run are summed over the pipeline's actions (manual approvals are free; parallel actions are each charged; a deployment runs {N(A.DeployActionBaseMinutes)} min plus traffic shifting and the termination wait). CodePipeline's 100 free action minutes a month are shared by the account and not subtracted.");
        if (unknown.Count > 0)
        {
            notes.Add($"Actions without an assumed duration, counted at {N(A.BuildMinutes.Values.Max())} min: {string.Join(", ", unknown.Distinct())}.");
        }
        if (estimated)
        {
            notes.Add($"{service.ToolingRegion} has no prices in prices.json: estimated with {PriceList.DefaultRegion} list prices, which may differ.");
        }
        return new CostEstimate(service.Name, "pipeline", stack, service.ToolingAccount, service.ToolingRegion, estimated, lines, notes);
    }

    /// <summary>
    /// What a non-production environment would cost with one NAT gateway, ARM64 tasks and Fargate
    /// Spot (each only when not in effect already), against what it costs now.
    /// </summary>
    public CheaperEnvironment Cheaper(JsonObject template, string stack, ServiceDefinition service, DeploymentTarget target)
    {
        var current = Runtime(template, stack, service, target);
        var changes = new List<string>();
        var nat = Resources(template).Count(x => x.Type == "AWS::EC2::NatGateway");
        if (nat > 1)
        {
            changes.Add($"1 NAT gateway instead of {nat} (network.natGateways: 1)");
        }
        if (service.Container.Architecture != Architecture.ARM64)
        {
            changes.Add("ARM64 tasks (container.architecture: arm64, for the whole service; the image must be built for arm64)");
        }
        changes.Add("Fargate Spot (tasks can be stopped with two minutes' notice; not yet a manifest option, see docs/cost.md)");
        var cheaper = Runtime(template, stack, service, target, new RuntimeAlternative(NatGateways: 1, Arm64: true, Spot: true));
        return new CheaperEnvironment(current, cheaper, changes);
    }

    private void AddMonitoring(List<CostLine> lines, IReadOnlyList<Resource> r, RegionPrices p)
    {
        var keys = r.Count(x => x.Type == "AWS::KMS::Key");
        if (keys > 0)
        {
            lines.Add(new CostLine("KMS keys", $"{keys}", $"${N(p.KmsKeyMonth)}/key-month", Money(keys * p.KmsKeyMonth), CostBasis.Fixed));
        }
        var alarms = r.Count(x => x.Type == "AWS::CloudWatch::Alarm");
        if (alarms > 0)
        {
            lines.Add(new CostLine("CloudWatch alarms", $"{alarms}", $"${N(p.AlarmMonth)}/alarm-month", Money(alarms * p.AlarmMonth), CostBasis.Fixed));
        }
        var dashboards = r.Count(x => x.Type == "AWS::CloudWatch::Dashboard");
        if (dashboards > 0)
        {
            lines.Add(new CostLine("CloudWatch dashboards", $"{dashboards}", $"${N(p.DashboardMonth)}/dashboard-month", Money(dashboards * p.DashboardMonth), CostBasis.Fixed));
        }
    }

    // Ingestion of a month's volume, and storage of what the retention keeps (never-expiring
    // groups: a year's worth).
    private static void AddLogs(List<CostLine> lines, string what, decimal gbPerMonth, int? retentionDays, RegionPrices p)
    {
        var storedGb = gbPerMonth * (retentionDays is { } days ? days / 30m : 12m);
        lines.Add(new CostLine($"{what} (assumed {N(gbPerMonth)} GB/month, {(retentionDays is { } d ? $"kept {d} days" : "kept forever")})",
            $"{N(gbPerMonth)} GB in, {N(storedGb)} GB stored", $"${N(p.LogsIngestGb)}/GB in, ${N(p.LogsStoreGbMonth)}/GB-month",
            Money(gbPerMonth * p.LogsIngestGb + storedGb * p.LogsStoreGbMonth), CostBasis.Assumed));
    }

    private static int? Retention(JsonNode? properties) => properties?["RetentionInDays"]?.GetValue<int>();

    // Minutes a blue/green deployment to the stage's environment keeps its action running:
    // traffic shifting plus the wait before the old tasks stop.
    private static decimal DeployMinutes(ServiceDefinition service, string stageName)
    {
        var target = service.Environments.FirstOrDefault(e => stageName == $"Deploy-{e.Name}");
        if (target is null)
        {
            return 0;
        }
        var shifting = target.EffectiveTrafficShifting;
        var shiftMinutes = shifting.Kind switch
        {
            TrafficShiftingKind.Canary => shifting.IntervalMinutes,
            TrafficShiftingKind.Linear => (int)Math.Ceiling(100m / shifting.Percentage - 1) * shifting.IntervalMinutes,
            _ => 0,
        };
        return shiftMinutes + target.EffectiveTerminationWaitMinutes;
    }

    private sealed record Resource(string Id, string Type, JsonNode? Properties);

    private static IReadOnlyList<Resource> Resources(JsonObject template) =>
        (template["Resources"] as JsonObject ?? new JsonObject())
            .Select(x => new Resource(x.Key, x.Value!["Type"]!.GetValue<string>(), x.Value["Properties"])).ToList();

    private static decimal Money(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    private static string N(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
