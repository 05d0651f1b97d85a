using Amazon.CDK;
using Slipway.Cli.Manifest;
using Slipway.Conventions;
using Slipway.Model;
using Slipway.Stacks;
using Slipway.Cli.Tests.Manifest;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Model;

/// <summary>Validation names each problem by its path in the caller's terms: C# property paths for C#, manifest paths for the manifest.</summary>
public sealed class ValidationPathsTests
{
    private static ServiceDefinition Bad() => new()
    {
        Name = "orders",
        Source = new GitHubConnectionSource("example-org", "orders-service", Services.ConnectionArn),
        Build = new BuildSettings { BuildImage = "registry.example.com/build:1", CompileCommand = Array.Empty<string>() },
        Container = new ContainerSettings { Secrets = new[] { new ContainerSecret("DB", SecretStore.ParameterStore, "db/password") } },
        Notifications = new NotificationSettings { ApprovalEmails = new[] { "releases@example.com" } },
        Environments = new[]
        {
            new DeploymentTarget { Name = "staging", Account = "12345", Region = "us-east-1" },
            new DeploymentTarget { Name = "prod", Account = "12345", Region = "us-east-1", Network = new NetworkSettings { TestListenerPort = 80 } },
        },
    };

    private const string BadManifest = """
        services:
          - name: orders
            source:
              github:
                owner: example-org
                repository: orders-service
                connectionArn: arn:aws:codeconnections:us-east-1:111111111111:connection/5f0e4f1e-0000-4000-8000-000000000000
            build:
              image: registry.example.com/build:1
              compile: [" "]
            container:
              secrets:
                - name: DB
                  parameter: db/password
            notifications:
              approvalEmails: [releases@example.com]
            environments:
              - name: staging
                account: "111111111111"
                region: us-east-1
              - name: prod
                account: "111111111111"
                region: us-east-1
                network:
                  testListenerPort: 80
        """;

    [Fact]
    public void A_csharp_caller_sees_csharp_property_paths_and_no_yaml_advice()
    {
        var error = Assert.Throws<SlipwayValidationException>(() => SlipwayStacks.Add(new App(), Bad()));

        Assert.Equal(new[]
        {
            "ServiceDefinition.Environments[0].Account",
            "ServiceDefinition.Environments[1].Account",
            "ServiceDefinition.Environments[1].Network.TestListenerPort",
            "ServiceDefinition.Container.Secrets[0].Reference",
            "ServiceDefinition.Build.CompileCommand",
            "ServiceDefinition.Build.BuildImage",
        }.Order(StringComparer.Ordinal), error.Problems.Select(p => p[..p.IndexOf(':', StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
        Assert.Contains("ServiceDefinition.Environments[0].Account: \"12345\" is not a 12-digit AWS account id. Use the account number as text, for example \"123456789012\".", error.Problems);
        Assert.Contains(error.Problems, p => p.StartsWith("ServiceDefinition.Build.BuildImage: \"registry.example.com/build:1\" is not an ECR image URI.", StringComparison.Ordinal));
        Assert.All(error.Problems, p => Assert.DoesNotContain("YAML", p, StringComparison.Ordinal));
        Assert.Equal(error.Problems, Bad().Problems());
    }

    [Fact]
    public void The_manifest_names_the_same_problems_by_manifest_path()
    {
        var error = Assert.Throws<ManifestException>(() => ManifestLoader.Load("slipway.yaml", BadManifest));

        Assert.Equal(new[]
        {
            "services[0].environments[1].network.testListenerPort",
            "services[0].container.secrets[0].parameter",
            "services[0].build.compile",
            "services[0].build.image",
        }.Order(StringComparer.Ordinal), error.Problems.Select(p => PathOf(p[(p.IndexOf(": ", StringComparison.Ordinal) + 2)..])).Order(StringComparer.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("slipway.yaml:9:7: services[0].build.image: \"registry.example.com/build:1\" is not an ECR image URI.", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_path_the_checks_name_is_a_field_of_the_model_and_of_the_schema()
    {
        // Given every bad manifest of the loader's tests that passes the schema (the checks then run)
        var checkedProblems = 0;
        var strays = new List<string>();
        foreach (var row in ManifestLoaderTests.BadInputs)
        {
            var text = ManifestLoaderTests.Valid.Replace("\r", "", StringComparison.Ordinal).Replace((string)row[1], (string)row[2], StringComparison.Ordinal);
            try
            {
                if (ManifestSchema.Validate(YamlDocument.Parse("slipway.yaml", text)).Any())
                {
                    continue;
                }
            }
            catch (ManifestException)
            {
                continue; // not YAML
            }
            var error = Assert.Throws<ManifestException>(() => ManifestLoader.Load("slipway.yaml", text));
            foreach (var problem in error.Problems)
            {
                var path = PathOf(problem[(problem.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
                var relative = path.StartsWith("services[0]", StringComparison.Ordinal) ? path["services[0]".Length..] : null;
                if (relative is null || ModelFields.CSharpPath(typeof(ServiceDefinition), null, relative) is null || !IsSchemaField(path))
                {
                    strays.Add($"{row[0]}: {problem}");
                }
                checkedProblems++;
            }
        }
        // and a definition that breaks nearly every check the records make
        var v = new Validator();
        Everything().Validate(v, "services[0]");
        foreach (var problem in v.Problems)
        {
            var path = PathOf(problem);
            if (ModelFields.CSharpPath(typeof(ServiceDefinition), Everything(), path["services[0]".Length..]) is null || !IsSchemaField(path))
            {
                strays.Add($"everything: {problem}");
            }
            checkedProblems++;
        }
        Assert.Empty(strays);
        Assert.True(checkedProblems >= 60, $"{checkedProblems} problems checked");
    }

    private static ServiceDefinition Everything() => new()
    {
        Name = "Orders", Company = "ACME", CostCenter = " ", PipelineAccount = "1", PipelineRegion = "mars-1", CrossAccount = false,
        Source = new S3Source("/x", "B"), Compliance = CompliancePack.Nist80053R5, ArtifactEncryption = ArtifactEncryption.S3Managed,
        ArtifactNoncurrentVersionDays = 0, ImageRetentionCount = 0,
        Container = new ContainerSettings
        {
            Port = 0, Cpu = 300, HealthCheckPath = "x", ContainerName = "A_",
            Environment = new Dictionary<string, string> { ["1X"] = "v", ["API_TOKEN"] = "t", ["DB"] = "x" },
            Secrets = new[] { new ContainerSecret("DB", SecretStore.ParameterStore, "x", "key"), new ContainerSecret("DB", SecretStore.SecretsManager, "", "k k"), new ContainerSecret("S", SecretStore.SecretsManager, "a b", "k k") },
        },
        Build = new BuildSettings
        {
            ComputeType = (BuildComputeType)9, CacheExpirationDays = 0, LogRetentionDays = 2, BuildImage = "bad", Dockerfile = "/x",
            ImageRepository = new BuildImageRepositorySettings { Create = true, KeepImages = 0 },
            UnitTests = new CheckSettings { Preset = CheckPreset.Bandit, Command = Array.Empty<string>() }, StaticAnalysis = new CheckSettings(),
            CompileCommand = Array.Empty<string>(),
            ImageScan = new ImageScanSettings { FailOn = (Severity)9, TrivyVersion = "latest", TrivySha256 = "x" },
            Secrets = new[] { new BuildSecret("CODEBUILD_X", SecretStore.ParameterStore, "", "alias/x"), new BuildSecret("Y", SecretStore.SecretsManager, "a b", "alias/x") },
            RegistryCredentials = new RegistryCredentials(SecretStore.ParameterStore, "x", "alias/y"),
            RuntimeVersions = new Dictionary<string, string> { ["cobol"] = "x y" },
        },
        Notifications = new NotificationSettings { ApprovalEmails = new[] { "x" }, Emails = new[] { "y" }, FailureTopicArn = "arn:x" },
        Environments = new[]
        {
            new DeploymentTarget
            {
                Name = "Prod", Account = "1", Region = "mars-1", TerminationWaitMinutes = -1, DesiredCount = 0, Cpu = 300, Memory = 1,
                TrafficShifting = TrafficShifting.Canary(0, 0), IntegrationTests = new IntegrationTestSettings { Command = Array.Empty<string>(), TimeoutMinutes = 99 },
                Environment = new Dictionary<string, string> { ["PASSWORD"] = "x" },
                Network = new NetworkSettings
                {
                    TestListenerPort = 80, NatGateways = 5, VpcCidr = "x", TestListenerCidrs = new[] { "x" }, CertificateArn = "x", AvailabilityZones = new[] { "x", "x" }, Shared = true,
                    ExistingVpc = new ExistingVpc("x", new[] { "a" }, new[] { "b" }, new[] { "c", "d" }, "x"),
                },
            },
            new DeploymentTarget { Name = "Prod", Account = "222222222222", Region = "us-west-2", Memory = 3 },
        },
    };

    [Fact]
    public void A_path_that_names_no_field_is_not_translated()
    {
        // The check above relies on this: a misspelt field (build.buildImage was one) has no C# path.
        Assert.Null(ModelFields.CSharpPath(typeof(ServiceDefinition), null, "build.buildImage"));
        Assert.Null(ModelFields.CSharpPath(typeof(ServiceDefinition), null, "build.compileCommand"));
        Assert.Equal("Build.BuildImage", ModelFields.CSharpPath(typeof(ServiceDefinition), null, "build.image"));
        Assert.Equal("Environments[1].Network.TestListenerPort", ModelFields.CSharpPath(typeof(ServiceDefinition), null, "environments[1].network.testListenerPort"));
        Assert.Equal("Container.Environment[\"API_TOKEN\"]", ModelFields.CSharpPath(typeof(ServiceDefinition), null, "container.environment.API_TOKEN"));
        Assert.Equal("Source.Owner", ModelFields.CSharpPath(typeof(ServiceDefinition), null, "source.github.owner"));
        Assert.Equal("PipelineAccount", ModelFields.CSharpPath(typeof(ServiceDefinition), null, "pipeline.account"));
        Assert.Equal("ExistingProviderArns[1]", ModelFields.CSharpPath(typeof(GitHubDeploySettings), null, "existingProviderArn[1]"));
    }

    // A problem starts with its field path: "services[0].environments[1].account: ...".
    private static string PathOf(string problem) => System.Text.RegularExpressions.Regex.Match(problem, @"^([A-Za-z0-9_\[\]\.-]+):").Groups[1].Value;

    // A field of the schema, or a name under one of its mappings (environment variables, tags, runtimes).
    private static bool IsSchemaField(string path) =>
        ManifestSchema.IsField(path) || (path.EndsWith(']') && ManifestSchema.IsField(path[..path.LastIndexOf('[')])) || (path.LastIndexOf('.') is var dot and > 0 && ManifestSchema.IsField(path[..dot])
            && ManifestModel.Fields().Any(f => f.Path == System.Text.RegularExpressions.Regex.Replace(path[..dot], @"\[\d+\]", "[]") && f.Types.Contains("map")));
}
