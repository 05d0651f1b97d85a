using Slipway.Cli.Manifest;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Model;

namespace Slipway.Cli.Tests.Manifest;

public sealed class ManifestLoaderTests
{
    public const string Valid = """
        services:
          - name: orders
            costCenter: cc-1234
            source:
              github:
                owner: example-org
                repository: orders-service
                connectionArn: arn:aws:codeconnections:us-east-1:111111111111:connection/abc-123
            container:
              port: 8080
              healthCheckPath: /health
            build:
              unitTests:
                preset: python
            notifications:
              approvalEmails: [releases@example.com]
            environments:
              - name: staging
                account: "111111111111"
                region: us-east-1
              - name: prod
                account: "111111111111"
                region: us-east-1
        """;

    [Fact]
    public void A_valid_manifest_maps_to_the_same_defaults_as_the_props()
    {
        var service = Assert.Single(ManifestLoader.Load("slipway.yaml", Valid));
        Assert.Equal("orders", service.Name);
        var gh = Assert.IsType<GitHubConnectionSource>(service.Source);
        Assert.Equal("main", gh.Branch);
        Assert.Equal(new ContainerSettings().Memory, service.Container.Memory);
        Assert.Equal(90, service.ArtifactNoncurrentVersionDays);
        Assert.False(service.IsCrossAccount);
        Assert.True(service.Environments[1].NeedsApproval);
        Assert.Equal(TrafficShifting.Canary10Percent5Minutes, service.Environments[1].EffectiveTrafficShifting);
    }

    public static TheoryData<string, string, string, string> BadInputs => new()
    {
        // name of the case, text replaced, replacement, expected in the message
        { "account not 12 digits", "account: \"111111111111\"\n        region: us-east-1\n      - name: prod", "account: \"12345\"\n        region: us-east-1\n      - name: prod", "services[0].environments[0].account: \"12345\"" },
        { "account unquoted with leading zero", "account: \"111111111111\"\n        region: us-east-1\n      - name: prod", "account: 011111111111\n        region: us-east-1\n      - name: prod", "must be text (quote it" },
        { "unknown region", "region: us-east-1\n      - name: prod", "region: us-east-9\n      - name: prod", "services[0].environments[0].region: \"us-east-9\" is not an AWS region" },
        { "service name too long", "name: orders", "name: orders-service-with-a-much-too-long-name", "services[0].name" },
        { "service name uppercase", "name: orders", "name: Orders", "services[0].name: \"Orders\" has the wrong form" },
        { "invalid health path", "healthCheckPath: /health", "healthCheckPath: health check", "services[0].container.healthCheckPath: \"health check\"" },
        { "port out of range", "port: 8080", "port: 70000", "services[0].container.port: 70000 is above the maximum" },
        { "test listener clashes with production", "region: us-east-1\n      - name: prod", "region: us-east-1\n        network:\n          testListenerPort: 80\n      - name: prod", "services[0].environments[0].network.testListenerPort: 80 clashes with the production listener" },
        { "unknown manifest key with suggestion", "costCenter: cc-1234", "costCentre: cc-1234", "unknown field \"costCentre\". Did you mean \"costCenter\"?" },
        { "unknown environment key", "region: us-east-1\n      - name: prod", "region: us-east-1\n        requireApproval: true\n      - name: prod", "Did you mean \"requiresApproval\"?" },
        { "malformed connection arn", "connectionArn: arn:aws:codeconnections:us-east-1:111111111111:connection/abc-123", "connectionArn: arn:aws:s3:::bucket", "services[0].source.github.connectionArn: \"arn:aws:s3:::bucket\" is not a connection ARN" },
        { "missing connection arn", "        connectionArn: arn:aws:codeconnections:us-east-1:111111111111:connection/abc-123\n", "", "services[0].source.github.connectionArn: is required" },
        { "invalid email", "approvalEmails: [releases@example.com]", "approvalEmails: [releases-at-example]", "services[0].notifications.approvalEmails[0]: \"releases-at-example\" is not an email address" },
        { "approval without email", "approvalEmails: [releases@example.com]", "approvalEmails: []", "requires approval (production does by default" },
        { "empty test command", "preset: python", "preset: custom\n        command: []", "services[0].build.unitTests.command" },
        { "unknown preset", "preset: python", "preset: cobol", "services[0].build.unitTests.preset: \"cobol\" is not allowed" },
        { "duplicate environment", "- name: prod", "- name: staging", "\"staging\" is the name of more than one environment" },
        { "memory invalid for cpu", "port: 8080", "port: 8080\n      cpu: 256\n      memory: 4096", "services[0].container.memory" },
        { "cross-account turned off with foreign accounts", "costCenter: cc-1234", "costCenter: cc-1234\n    crossAccount: false\n    pipeline:\n      account: \"999999999999\"", "services[0].crossAccount: false but environment \"staging\" is in 111111111111/us-east-1" },
        { "token instead of secret name", "github:\n        owner: example-org\n        repository: orders-service\n        connectionArn: arn:aws:codeconnections:us-east-1:111111111111:connection/abc-123", "githubToken:\n        owner: example-org\n        repository: orders-service\n        tokenSecret: ghp_abcdefghijklmnop", "must be the NAME of a Secrets Manager secret" },
        { "wrong type for desired count", "region: us-east-1\n      - name: prod", "region: us-east-1\n        desiredCount: two\n      - name: prod", "desiredCount: \"two\" must be a whole number" },
        { "environment outside the pipeline's region", "region: us-east-1\n      - name: prod\n        account: \"111111111111\"\n        region: us-east-1", "region: us-east-1\n      - name: prod\n        account: \"111111111111\"\n        region: eu-west-1", "services[0].environments[1].region: \"eu-west-1\" differs from the pipeline's region \"us-east-1\"" },
        { "yaml syntax error", "services:", "services: [", "not valid YAML" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Rejects_bad_input_naming_the_field(string @case, string find, string replace, string expected)
    {
        var text = Valid.Replace("\r", "");
        Assert.True(text.Contains(find), $"case \"{@case}\": the base manifest does not contain the text to replace");
        var error = Assert.Throws<ManifestException>(() => ManifestLoader.Load("slipway.yaml", text.Replace(find, replace)));
        Assert.Contains(expected, error.Message);
        Assert.StartsWith("slipway.yaml:", error.Problems[0]);
    }

    [Fact]
    public void Reports_every_problem_at_once_with_line_numbers()
    {
        var text = Valid.Replace("account: \"111111111111\"", "account: \"1\"").Replace("port: 8080", "port: 0");
        var error = Assert.Throws<ManifestException>(() => ManifestLoader.Load("m.yaml", text));
        Assert.Equal(3, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.StartsWith("m.yaml:10:", StringComparison.Ordinal) && p.Contains("container.port"));
        Assert.Contains(error.Problems, p => p.StartsWith("m.yaml:19:", StringComparison.Ordinal) && p.Contains("environments[0].account"));
    }

    private static ManifestException Rejects(string find, string replace)
    {
        var text = Valid.Replace("\r", "");
        Assert.True(text.Contains(find), $"the base manifest does not contain \"{find}\"");
        return Assert.Throws<ManifestException>(() => ManifestLoader.Load("slipway.yaml", text.Replace(find, replace)));
    }

    // ---- Secret references: names, never the secret itself --------------------------------------

    public static TheoryData<string, string> SecretPastedIntoANameField => new()
    {
        // the fields as YAML (replacing "healthCheckPath: /health"), the field path the message names
        { "secrets:\n        - { name: DB_PASSWORD, secretsManager: \"Sup3r S3cret!\" }", "services[0].container.secrets[0].secretsManager" },
        { "secrets:\n        - { name: DB_PASSWORD, secretsManager: \"arn:aws:secretsmanager:us-east-1:111111111111:secret:Sup3r S3cret!\" }", "services[0].container.secrets[0].secretsManager" },
        { "secrets:\n        - { name: DB_PASSWORD, parameter: \"Sup3r S3cret!\" }", "services[0].container.secrets[0].parameter" },
        { "secrets:\n        - { name: DB_PASSWORD, parameter: \"/orders/Sup3r S3cret!\" }", "services[0].container.secrets[0].parameter" },
        { "secrets:\n        - { name: DB_PASSWORD, secretsManager: orders/db, jsonKey: \"Sup3r S3cret!\" }", "services[0].container.secrets[0].jsonKey" },
        { "secrets:\n        - { name: DB_PASSWORD, secretsManager: 12345678 }", "services[0].container.secrets[0].secretsManager" },
        { "environment:\n        DB_PASSWORD: \"Sup3r S3cret!\"", "services[0].container.environment.DB_PASSWORD" },
    };

    [Theory]
    [MemberData(nameof(SecretPastedIntoANameField))]
    public void Rejects_a_secret_pasted_into_a_container_secret_field_without_echoing_it(string yaml, string field)
    {
        var error = Rejects("healthCheckPath: /health", "healthCheckPath: /health\n      " + yaml);

        var problem = Assert.Single(error.Problems, p => p.Contains(field + ":", StringComparison.Ordinal));
        Assert.Contains(field + ": (value hidden: it looks like a secret", problem);
        Assert.DoesNotContain("S3cret", error.Message);
        Assert.DoesNotContain("12345678", error.Message.Replace("111111111111", ""));
    }

    public static TheoryData<string, string> BuildSecretPastedIntoANameField => new()
    {
        // the build fields (replacing "preset: python" under build.unitTests), the field path named
        { "secrets:\n        - { name: NPM_TOKEN, secretsManager: \"Sup3r S3cret!\" }", "services[0].build.secrets[0].secretsManager" },
        { "secrets:\n        - { name: NPM_TOKEN, secretsManager: \"npm/token:Sup3r S3cret!\" }", "services[0].build.secrets[0].secretsManager" },
        { "secrets:\n        - { name: NPM_TOKEN, parameter: \"Sup3r S3cret!\" }", "services[0].build.secrets[0].parameter" },
        { "registryCredentials: { secretsManager: \"Sup3r S3cret!\" }", "services[0].build.registryCredentials.secretsManager" },
        { "registryCredentials: { parameterPath: \"/ci/Sup3r S3cret!\" }", "services[0].build.registryCredentials.parameterPath" },
    };

    [Theory]
    [MemberData(nameof(BuildSecretPastedIntoANameField))]
    public void Rejects_a_secret_pasted_into_a_build_secret_field_without_echoing_it(string yaml, string field)
    {
        var error = Rejects("      unitTests:\n        preset: python", "      unitTests:\n        preset: python\n      " + yaml);

        var problem = Assert.Single(error.Problems, p => p.Contains(field + ":", StringComparison.Ordinal));
        Assert.Contains("(value hidden: it looks like a secret, not a name)", problem);
        Assert.DoesNotContain("S3cret", error.Message);
    }

    [Fact]
    public void Rejects_a_token_pasted_as_the_github_token_secret_name_without_echoing_it()
    {
        var error = Rejects("github:\n        owner: example-org\n        repository: orders-service\n        connectionArn: arn:aws:codeconnections:us-east-1:111111111111:connection/abc-123",
            "githubToken:\n        owner: example-org\n        repository: orders-service\n        tokenSecret: \"Sup3r S3cret!\"");

        var problem = Assert.Single(error.Problems);
        Assert.Contains("services[0].source.githubToken.tokenSecret: (value hidden: it looks like a secret, not a name)", problem);
        Assert.DoesNotContain("S3cret", error.Message);
    }

    [Fact]
    public void Rejects_a_secret_in_an_environments_plain_variables_without_echoing_it()
    {
        var error = Rejects("region: us-east-1\n      - name: prod", "region: us-east-1\n        environment:\n          API_TOKEN: \"Sup3r S3cret!\"\n      - name: prod");

        var problem = Assert.Single(error.Problems);
        Assert.Contains("services[0].environments[0].environment.API_TOKEN: (value hidden: it looks like a secret) looks like a secret in a plain environment variable.", problem);
        Assert.DoesNotContain("S3cret", error.Message);
    }

    [Fact]
    public void Shows_a_rejected_reference_that_looks_like_a_name()
    {
        var error = Rejects("healthCheckPath: /health", "healthCheckPath: /health\n      secrets:\n        - { name: DB_PASSWORD, parameter: orders/prod/db-password }");

        Assert.Contains("services[0].container.secrets[0].parameter: \"orders/prod/db-password\" must be a parameter name starting with \"/\"", error.Message);
    }

    [Fact]
    public void Accepts_secret_names_arns_in_any_partition_and_parameter_names()
    {
        var text = Valid.Replace("\r", "").Replace("healthCheckPath: /health", """
            healthCheckPath: /health
                  secrets:
                    - { name: A, secretsManager: orders/prod+db=main.v2@eu_x-1 }
                    - { name: B, secretsManager: "arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:orders/db-AbCdEf", jsonKey: password }
                    - { name: C, secretsManager: "arn:aws-us-gov:secretsmanager:us-gov-west-1:111111111111:secret:orders/db" }
                    - { name: D, parameter: /orders/prod/db.password_1-x }
            """.Replace("\r", "")).Replace("      unitTests:\n        preset: python", """
                  unitTests:
                    preset: python
                  secrets:
                    - { name: E, secretsManager: "npm/token:token" }
                    - { name: F, secretsManager: "arn:aws:secretsmanager:us-east-1:111111111111:secret:npm-AbCdEf:token" }
                    - { name: G, parameter: /ci/npm-token }
                  registryCredentials: { secretsManager: ci/dockerhub }
            """.Replace("\r", ""));

        var service = Assert.Single(ManifestLoader.Load("slipway.yaml", text));

        Assert.Equal(4, service.Container.Secrets.Count);
        Assert.Equal(3, service.Build.Secrets.Count);
    }

    // ---- Values shown as written ---------------------------------------------------------------

    [Theory]
    [InlineData("012345678901")]
    [InlineData("000000000042")]
    public void Shows_an_unquoted_account_as_written_and_suggests_quoting_it(string account)
    {
        var error = Rejects("account: \"111111111111\"\n        region: us-east-1\n      - name: prod", $"account: {account}\n        region: us-east-1\n      - name: prod");

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith("slipway.yaml:19:9: services[0].environments[0].account: " + account + " must be text", problem);
        Assert.Contains($"\"{account}\"", problem);
    }

    // ---- Traffic shifting ----------------------------------------------------------------------

    [Theory]
    [InlineData("blueGreen")]
    [InlineData("canary")]
    [InlineData("{type: blueGreen}")]
    public void An_unknown_traffic_shifting_lists_every_form(string shifting)
    {
        var error = Rejects("region: us-east-1\n      - name: prod", $"region: us-east-1\n        trafficShifting: {shifting}\n      - name: prod");

        var problem = Assert.Single(error.Problems);
        Assert.Contains("services[0].environments[0].trafficShifting", problem);
        Assert.Contains("allAtOnce", problem);
        Assert.Contains("{type: canary, percentage: 10, minutes: 5}", problem);
        Assert.Contains("{type: linear, percentage: 10, minutes: 1}", problem);
    }

    [Fact]
    public void A_traffic_shifting_mapping_is_checked_as_a_mapping()
    {
        var error = Rejects("region: us-east-1\n      - name: prod", "region: us-east-1\n        trafficShifting: {type: canary, percentage: 150, minutes: 0}\n      - name: prod");

        Assert.Equal(2, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.Contains("services[0].environments[0].trafficShifting.percentage: 150 is above the maximum 99.", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("services[0].environments[0].trafficShifting.minutes: 0 is below the minimum 1.", StringComparison.Ordinal));
    }

    // ---- YAML syntax errors --------------------------------------------------------------------

    public static TheoryData<string, string, string> YamlMistakes => new()
    {
        // the manifest, where the message points, what it says
        { "services:\n  - name: orders\n\tcostCenter: cc\n", "m.yaml:3:1:", "use spaces, not tabs" },
        { "services:\n  - name: orders\n    costCenter: cc\n    source:\n\t  s3: {}\n", "m.yaml:5:1:", "use spaces, not tabs" },
        { "services:\n  - name: orders\n    \tcostCenter: cc\n", "m.yaml:3:5:", "use spaces, not tabs" },
        { "services:\n  - name: \"orders\n    costCenter: cc\n", "m.yaml:2:11:", "the quote opened here is not closed" },
        { "services:\n  - name: 'orders\n    costCenter: cc\n", "m.yaml:2:11:", "the quote opened here is not closed" },
        { "services:\n  - name: orders\n     costCenter: cc\n", "m.yaml:3:6:", "indented" },
        { "services:\n  - name: orders\n    costCenter: cc\n   source: x\n", "m.yaml:4:4:", "indented" },
        { "services:\n  - name: orders\n    source:\n      s3:\n        objectKey: a\n     bucket: b\n", "m.yaml:6:6:", "indented" },
        { "services:\n  - name: orders\n    tags: {a: b\n    costCenter: cc\n", "m.yaml:3:11:", "is not closed with }" },
        { "services:\n  - name: orders\n    tags: [a, b\n", "m.yaml:3:11:", "is not closed with ]" },
        { "services:\n  - name: orders\n    name: again\n", "m.yaml:3:5:", "\"name\" appears twice" },
        { "services:\n  - name: orders\n    costCenter: a: b\n", "m.yaml:3:18:", "put the value in quotes" },
    };

    [Theory]
    [MemberData(nameof(YamlMistakes))]
    public void A_yaml_mistake_is_reported_at_its_line_and_column_in_plain_words(string text, string where, string says)
    {
        var error = Assert.Throws<ManifestException>(() => ManifestLoader.Load("m.yaml", text));

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith(where + " not valid YAML: ", problem);
        Assert.Contains(says, problem);
        Assert.DoesNotContain("While scanning", problem);
        Assert.DoesNotContain("While parsing", problem);
    }

    // ---- Values the user did not write ---------------------------------------------------------

    [Fact]
    public void An_inherited_memory_says_where_it_came_from()
    {
        var error = Rejects("region: us-east-1\n      - name: prod\n        account: \"111111111111\"\n        region: us-east-1",
            "region: us-east-1\n      - name: prod\n        account: \"111111111111\"\n        region: us-east-1\n        cpu: 2048");

        var problem = Assert.Single(error.Problems);
        Assert.Contains("services[0].environments[1].memory: 512 (inherited from services[0].container.memory) is not valid with 2048 CPU units on Fargate.", problem);
        Assert.Contains("Set services[0].environments[1].memory", problem);
    }

    [Fact]
    public void An_inherited_cpu_says_where_it_came_from()
    {
        var error = Rejects("region: us-east-1\n      - name: prod\n        account: \"111111111111\"\n        region: us-east-1",
            "region: us-east-1\n      - name: prod\n        account: \"111111111111\"\n        region: us-east-1\n        memory: 16384");

        var problem = Assert.Single(error.Problems);
        Assert.Contains("services[0].environments[1].memory: 16384 is not valid with 256 CPU units (inherited from services[0].container.cpu) on Fargate.", problem);
    }

    [Fact]
    public void A_bad_first_region_is_reported_once_where_it_was_written()
    {
        var error = Rejects("region: us-east-1\n      - name: prod", "region: us-east-9\n      - name: prod");

        var problem = Assert.Single(error.Problems);
        Assert.Contains("services[0].environments[0].region: \"us-east-9\" is not an AWS region", problem);
    }

    [Fact]
    public void The_pipeline_region_taken_from_the_first_environment_says_so()
    {
        var error = Rejects("region: us-east-1\n      - name: prod\n        account: \"111111111111\"\n        region: us-east-1",
            "region: us-east-1\n      - name: prod\n        account: \"111111111111\"\n        region: eu-west-1");

        var problem = Assert.Single(error.Problems);
        Assert.Contains("services[0].environments[1].region: \"eu-west-1\" differs from the pipeline's region \"us-east-1\" (inherited from services[0].environments[0].region: services[0].pipeline.region is not set)", problem);
    }

    [Fact]
    public void A_production_environment_that_needs_approval_by_default_says_so()
    {
        var error = Rejects("approvalEmails: [releases@example.com]", "approvalEmails: []");

        var problem = Assert.Single(error.Problems);
        Assert.Contains("services[0].notifications.approvalEmails: [] is empty but environment \"prod\" requires approval (production does by default: services[0].environments[1] is production by its name, and services[0].environments[1].requiresApproval is not set).", problem);
    }

    [Fact]
    public void A_default_value_in_a_message_says_it_is_the_default()
    {
        var error = Rejects("port: 8080", "port: 8080\n      cpu: 2048");

        var problem = Assert.Single(error.Problems);
        Assert.Contains("services[0].container.memory: 512 (the default: services[0].container.memory is not set) is not valid with 2048 CPU units on Fargate.", problem);
    }
}
