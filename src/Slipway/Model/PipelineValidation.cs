using System.Text.RegularExpressions;
using Slipway.Build;
using Slipway.Conventions;
using Slipway.Runtime;

namespace Slipway.Model;

/// <summary>Checks of the pipeline settings of a <see cref="ServiceDefinition"/>.</summary>
public static partial class PipelineValidation
{
    /// <summary>Validates source, build, checks and notifications.</summary>
    internal static void Validate(ServiceDefinition d, Validator v, string path)
    {
        ValidateSource(d.Source, v, $"{path}.source");
        ValidateBuild(d.Build, v, $"{path}.build");
        if (d.Build is { ImageRepository.Create: true, BuildImage: { } image } && EcrImage().IsMatch(image))
        {
            // The created repository lives in the pipeline's account and region; an image URI
            // elsewhere would name another repository than the one created.
            var host = image[..image.IndexOf('/')].Split('.');
            v.Require(host[0] == d.ToolingAccount && host[3] == d.ToolingRegion, $"{path}.build.image", image,
                $"is in {host[0]}/{host[3]}, but build.imageRepository.create makes the repository in the pipeline's account and region {d.ToolingAccount}/{d.ToolingRegion}. " +
                $"Use {d.ToolingAccount}.dkr.ecr.{d.ToolingRegion}.amazonaws.com/REPOSITORY:TAG, or remove build.imageRepository to pull from the existing repository.");
        }
        foreach (var (target, i) in d.Environments.Select((e, i) => (e, i)))
        {
            // Before the shift, CodeDeploy fails a hook nobody reports within an hour; after it, the
            // runner assumes the environment's role from the CodeBuild role: role chaining, capped at
            // one hour (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining).
            if (target.IntegrationTests is { } tests)
            {
                var limit = tests.GateTraffic
                    ? $"CodeDeploy fails the deployment's {DeploymentContract.TestTrafficHook} hook when it is not reported within {DeploymentContract.HookLimitMinutes} minutes, " +
                      $"and the traffic gate needs {DeploymentContract.IntegrationTestMarginMinutes} of those minutes to start the test task, notice a timeout and stop it"
                    : $"the test runner works with a chained role session, which AWS caps at one hour, " +
                      $"and needs {DeploymentContract.IntegrationTestMarginMinutes} of those minutes to start the task, stop it and print its logs";
                v.Require(tests.TimeoutMinutes is >= 1 and <= IntegrationTestSettings.MaxTimeoutMinutes, $"{path}.environments[{i}].integrationTests.timeoutMinutes", tests.TimeoutMinutes,
                    $"must be from 1 to {IntegrationTestSettings.MaxTimeoutMinutes} minutes: {limit}. " +
                    $"Lower timeoutMinutes to at most {IntegrationTestSettings.MaxTimeoutMinutes}, or split the suite.");
            }
        }

        var n = d.Notifications;
        foreach (var (email, i) in n.ApprovalEmails.Select((e, i) => (e, i)))
        {
            v.Email(email, $"{path}.notifications.approvalEmails[{i}]");
        }
        foreach (var (email, i) in n.Emails.Select((e, i) => (e, i)))
        {
            v.Email(email, $"{path}.notifications.emails[{i}]");
        }
        if (d.Environments.Select((e, i) => (e, i)).FirstOrDefault(x => x.e.NeedsApproval) is ({ } gated, var g) && n.ApprovalEmails.Count == 0)
        {
            // Production needs approval unless it says otherwise: say why when it does not say.
            var why = gated.RequiresApproval == true ? ""
                : $" (production does by default: {path}.environments[{g}] is production {(gated.Production == true ? "by its production flag" : "by its name")}, and {path}.environments[{g}].requiresApproval is not set)";
            v.Add($"{path}.notifications.approvalEmails", Array.Empty<string>(),
                $"is empty but environment \"{gated.Name}\" requires approval{why}. Add at least one approver address, for example [\"releases@example.com\"].");
        }
        if (n.FailureTopicArn is { } topic && !Validator.IsToken(topic))
        {
            v.Require(SnsArn().IsMatch(topic), $"{path}.notifications.failureTopicArn", topic, "is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME).");
        }
    }

    private static void ValidateSource(PipelineSource source, Validator v, string path)
    {
        path += source switch
        {
            GitHubConnectionSource => ".github",
            GitHubTokenSource => ".githubToken",
            CodeCommitSource => ".codecommit",
            _ => ".s3",
        };
        switch (source)
        {
            case GitHubConnectionSource gh:
                GitHubRepository(gh.Owner, gh.Repository, v, path);
                Branch(gh.Branch, v, path);
                if (v.NotBlank(gh.ConnectionArn, $"{path}.connectionArn",
                        "Create a connection (Developer Tools > Connections), complete the GitHub handshake, and paste its ARN.")
                    && !Validator.IsToken(gh.ConnectionArn))
                {
                    v.Require(ConnectionArn().IsMatch(gh.ConnectionArn), $"{path}.connectionArn", gh.ConnectionArn,
                        "is not a connection ARN. Expected arn:aws:codeconnections:REGION:ACCOUNT:connection/ID (or the older arn:aws:codestar-connections:...).");
                }
                break;
            case GitHubTokenSource token:
                GitHubRepository(token.Owner, token.Repository, v, path);
                Branch(token.Branch, v, path);
                // The name (or ARN) reaches the template as {{resolve:secretsmanager:NAME}}: a token
                // pasted here would be stored in plain text in the template and cdk.out.
                v.Require(Validator.IsToken(token.TokenSecretName) || SecretReferences.IsSecretNameOrArn(token.TokenSecretName),
                    $"{path}.tokenSecret", Validator.Shown(token.TokenSecretName),
                    $"must be the NAME of a Secrets Manager secret holding the token, never the token itself: 1-{SecretReferences.MaxSecretNameLength} ASCII letters, digits and /_+=.@- (or the secret's ARN). Store the token with `aws secretsmanager create-secret --name github-token --secret-string ...` and write its name here.");
                break;
            case CodeCommitSource cc:
                v.Require(Regex.IsMatch(cc.RepositoryName, "^[A-Za-z0-9._-]{1,100}$"), $"{path}.repository", cc.RepositoryName,
                    "is not a CodeCommit repository name (1-100 letters, digits, '.', '_' or '-').");
                Branch(cc.Branch, v, path);
                break;
            case S3Source s3:
                v.Require(!string.IsNullOrWhiteSpace(s3.ObjectKey) && !s3.ObjectKey.StartsWith('/') && s3.ObjectKey.EndsWith(".zip", StringComparison.Ordinal),
                    $"{path}.objectKey", s3.ObjectKey, "must be the key of a .zip file without a leading slash, for example \"orders/source.zip\".");
                if (s3.BucketName is { } bucket)
                {
                    v.Require(Regex.IsMatch(bucket, "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"), $"{path}.bucket", bucket,
                        "is not an S3 bucket name (3-63 lowercase letters, digits, '.' or '-').");
                }
                break;
        }
    }

    private static void GitHubRepository(string owner, string repository, Validator v, string path)
    {
        v.Require(Regex.IsMatch(owner ?? "", "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$"), $"{path}.owner", owner, "is not a GitHub user or organization name.");
        v.Require(Regex.IsMatch(repository ?? "", "^[A-Za-z0-9._-]{1,100}$"), $"{path}.repository", repository, "is not a GitHub repository name (without the owner).");
    }

    private static void Branch(string branch, Validator v, string path) =>
        v.Require(!string.IsNullOrWhiteSpace(branch) && !branch.Contains(' ') && !branch.StartsWith("refs/", StringComparison.Ordinal),
            $"{path}.branch", branch, "is not a branch name, for example \"main\".");

    private static void ValidateBuild(BuildSettings b, Validator v, string path)
    {
        v.Require(Enum.IsDefined(b.ComputeType), $"{path}.computeType", (int)b.ComputeType,
            $"is not a CodeBuild compute type. Use one of {string.Join(", ", ManifestNames.All(typeof(BuildComputeType)))}.");
        v.Require(b.CacheExpirationDays is >= 1 and <= 365, $"{path}.cacheExpirationDays", b.CacheExpirationDays, "must be from 1 to 365 days.");
        v.Require(b.LogRetentionDays is 1 or 3 or 5 or 7 or 14 or 30 or 60 or 90 or 120 or 150 or 180 or 365 or 400 or 545 or 731 or 1096 or 1827 or 2192 or 2557 or 2922 or 3288 or 3653,
            $"{path}.logRetentionDays", b.LogRetentionDays, "is not a CloudWatch Logs retention period. Use 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ... days.");
        if (b.BuildImage is { } image)
        {
            v.Require(EcrImage().IsMatch(image), $"{path}.image", image,
                "is not an ECR image URI. Use ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG (or @sha256:DIGEST).");
        }
        if (b.ImageRepository is { } repository)
        {
            v.Require(repository.KeepImages is >= 1 and <= 1000, $"{path}.imageRepository.keepImages", repository.KeepImages, "must be from 1 to 1000.");
        }
        v.Require(!b.Dockerfile.StartsWith('/') && !b.Dockerfile.Contains(".."), $"{path}.dockerfile", b.Dockerfile, "must be a path inside the repository, for example \"Dockerfile\" or \"service/Dockerfile\".");
        Check(b.UnitTests, v, $"{path}.unitTests", allowed: new[] { CheckPreset.Custom, CheckPreset.Python, CheckPreset.DotNet, CheckPreset.Node });
        Check(b.StaticAnalysis, v, $"{path}.staticAnalysis", allowed: new[] { CheckPreset.Custom, CheckPreset.Bandit });
        if (b.CompileCommand is { } compile)
        {
            v.Require(compile.Count > 0 && compile.All(c => !string.IsNullOrWhiteSpace(c)), $"{path}.compile", compile, "must list at least one command.");
        }
        var scan = b.ImageScan;
        v.Require(Enum.IsDefined(scan.FailOn), $"{path}.imageScan.failOn", (int)scan.FailOn,
            $"is not a severity. Use one of {string.Join(", ", ManifestNames.All(typeof(Severity)))}.");
        v.Require(Regex.IsMatch(scan.TrivyVersion, @"^\d+\.\d+\.\d+$"), $"{path}.imageScan.trivyVersion", scan.TrivyVersion, "must be an exact version such as \"0.56.2\" (pinned, never \"latest\").");
        v.Require(Regex.IsMatch(scan.TrivySha256, "^[0-9a-f]{64}$") && (scan.TrivyVersion == ImageScanSettings.DefaultTrivyVersion || scan.TrivySha256 != ImageScanSettings.DefaultTrivySha256),
            $"{path}.imageScan.trivySha256", scan.TrivySha256, "must be the SHA-256 (64 hex digits) of that version's trivy_VERSION_Linux-64bit.tar.gz, from its checksums file.");
        foreach (var (secret, i) in b.Secrets.Select((s, i) => (s, i)))
        {
            v.Require(Regex.IsMatch(secret.Name, "^[A-Za-z_][A-Za-z0-9_]*$") && !secret.Name.StartsWith("CODEBUILD_", StringComparison.Ordinal),
                $"{path}.secrets[{i}].name", secret.Name, "is not a usable variable name (letters, digits, underscores; not CODEBUILD_*).");
            // The reference is written into the buildspec and the project role's policy.
            if (!v.Require(!string.IsNullOrWhiteSpace(secret.Reference), $"{path}.secrets[{i}]", secret.Name,
                    "names no secret or parameter. Give secretsManager (a secret name) or parameter (a parameter name)."))
            {
                continue;
            }
            if (secret.Store == SecretStore.ParameterStore)
            {
                SecretReferences.Parameter(v, secret.Reference, $"{path}.secrets[{i}].parameter");
            }
            else
            {
                SecretReferences.SecretsManager(v, secret.Reference, $"{path}.secrets[{i}].secretsManager", buildSuffix: true);
            }
            KmsKey(secret.KmsKeyArn, v, $"{path}.secrets[{i}].kmsKeyArn");
        }
        KmsKey(b.RegistryCredentials?.KmsKeyArn, v, $"{path}.registryCredentials.kmsKeyArn");
        if (b.RegistryCredentials is { Store: SecretStore.ParameterStore } creds)
        {
            SecretReferences.Parameter(v, creds.Reference, $"{path}.registryCredentials.parameterPath", pathPrefix: true);
        }
        else if (b.RegistryCredentials is { } secretCreds)
        {
            // The buildspec reads NAME:username and NAME:password: the name itself takes no key.
            SecretReferences.SecretsManager(v, secretCreds.Reference, $"{path}.registryCredentials.secretsManager");
        }
        foreach (var (runtime, version) in b.RuntimeVersions)
        {
            v.Require(new[] { "python", "nodejs", "dotnet", "java", "golang", "ruby", "php" }.Contains(runtime), $"{path}.runtimeVersions.{runtime}", runtime,
                "is not a CodeBuild runtime. Use python, nodejs, dotnet, java, golang, ruby or php.");
            v.Require(Regex.IsMatch(version, @"^[0-9][0-9.a-z-]*$"), $"{path}.runtimeVersions.{runtime}", version, "is not a version, for example \"3.11\".");
        }
    }

    private static void KmsKey(string? keyArn, Validator v, string path)
    {
        if (keyArn is not null && !Validator.IsToken(keyArn))
        {
            v.Require(KmsKeyArn().IsMatch(keyArn), path, keyArn,
                "is not a KMS key ARN. Give the ARN of the key that encrypts the value, arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (IAM matches keys by key ARN, never by alias).");
        }
    }

    private static void Check(CheckSettings? check, Validator v, string path, CheckPreset[] allowed)
    {
        if (check is null)
        {
            return;
        }
        v.Require(allowed.Contains(check.Preset), $"{path}.preset", check.Preset.ToString().ToLowerInvariant(),
            $"is not a preset for this check. Use one of {string.Join(", ", allowed.Select(a => a.ToString().ToLowerInvariant()))}.");
        if (check.Command is { } command)
        {
            v.Require(command.Count > 0 && command.All(c => !string.IsNullOrWhiteSpace(c)), $"{path}.command", command,
                "is empty. Give the commands to run, for example [\"pytest\"], or choose a preset.");
        }
        else
        {
            v.Require(check.Preset != CheckPreset.Custom, $"{path}.command", null, "is required with the custom preset. Give the commands to run, or choose a preset.");
        }
    }

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[A-Za-z0-9-]+$")]
    private static partial Regex ConnectionArn();

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$")]
    private static partial Regex KmsKeyArn();

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$")]
    private static partial Regex SnsArn();

    [GeneratedRegex(@"^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$")]
    private static partial Regex EcrImage();
}
