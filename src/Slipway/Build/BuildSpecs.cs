using System.Text;
using Slipway.Conventions;
using Slipway.Access;
using Slipway.Runtime;
using Slipway.Model;

namespace Slipway.Build;

/// <summary>The buildspecs of the pipeline's CodeBuild projects.</summary>
public static class BuildSpecs
{
    /// <summary>Where builds keep Slipway's helper files.</summary>
    public const string ToolDirectory = "/tmp/slipway";

    /// <summary>The retry wrapper every network step goes through (3 attempts, growing pauses).</summary>
    public const string Retry = ToolDirectory + "/retry";

    /// <summary>The commit id variable, set by the pipeline from the source action's output.</summary>
    public const string CommitVariable = "COMMIT_ID";

    /// <summary>The pushed image URI, exported by the image build and given to later actions.</summary>
    public const string ImageUriVariable = "IMAGE_URI";

    /// <summary>The QEMU emulators (binfmt) image: AWS's copy of tonistiigi/binfmt on ECR Public.</summary>
    /// <remarks>
    /// Published by the EKS Distro build tooling (aws/eks-distro-build-tooling, projects/tonistiigi/binfmt
    /// rebuilds docker.io/tonistiigi/binfmt at the same tag as public.ecr.aws/eks-distro-build-tooling/binfmt-misc)
    /// and used that way by aws/eks-anywhere's builds. ECR Public serves pulls from AWS without
    /// Docker Hub's anonymous pull limit, which CodeBuild's shared addresses exhaust.
    /// </remarks>
    public const string BinfmtImage = "public.ecr.aws/eks-distro-build-tooling/binfmt-misc:qemu-v7.0.0";

    /// <summary>The BuildKit image of the buildx builder, pinned (buildx would otherwise pull moby/buildkit:buildx-stable-1).</summary>
    /// <remarks>
    /// No ECR Public copy from Docker or AWS exists (public.ecr.aws/vend/moby/buildkit is a third-party
    /// mirror of unknown provenance, and the builder runs privileged with the push credentials), so it
    /// comes from Docker Hub, pinned to a release tag, and the builder starts after the
    /// <c>build.registryCredentials</c> login so its pull counts against the team's own limit.
    /// </remarks>
    public const string BuildKitImage = "moby/buildkit:v0.23.2";

    /// <summary>The platform of the CodeBuild host: every project runs on a LINUX_CONTAINER (x86_64) image.</summary>
    public const string HostPlatform = "linux/amd64";

    /// <summary>Separates the environment from the image tag in promotion tags (environment names never contain it).</summary>
    public const string PromotionTagSeparator = ".";

    private const string BuildxCache = ToolDirectory + "/buildx-cache";

    /// <summary>Writes the retry wrapper; the first install command of every buildspec.</summary>
    private static string InstallRetry() =>
        $"mkdir -p {ToolDirectory} && printf '%s\\n' '#!/bin/bash' " +
        "'for attempt in 1 2 3; do \"$@\" && exit 0; echo \"attempt $attempt failed: $*\" >&2; sleep $((attempt * 10)); done' 'exit 1' " +
        $"> {Retry} && chmod +x {Retry}";

    private static BuildSpecDocument NewSpec(BuildSettings build)
    {
        var spec = new BuildSpecDocument();
        foreach (var (runtime, version) in build.RuntimeVersions)
        {
            spec.RuntimeVersions[runtime] = version;
        }
        foreach (var secret in build.Secrets)
        {
            (secret.Store == SecretStore.SecretsManager ? spec.SecretsManager : spec.ParameterStore)[secret.Name] = secret.Reference;
            AddKey(spec, secret.Store, secret.KmsKeyArn);
        }
        return spec;
    }

    /// <summary>Docker image build and push, then the deployment files of every environment.</summary>
    public static BuildSpecDocument ImageBuild(BuildSettings build, ContainerSettings container, IEnumerable<DeploymentTarget> environments, ResourceNames names, string repositoryUri)
    {
        var spec = NewSpec(build);
        var registry = repositoryUri.Split('/')[0];
        spec.Variables["REPOSITORY_URI"] = repositoryUri;
        spec.Variables["REGISTRY"] = registry;
        spec.Variables["DOCKERFILE"] = build.Dockerfile;
        spec.Variables["DOCKER_CONTEXT"] = build.Context;
        var platforms = Platforms(build, container);
        spec.Variables["PLATFORMS"] = string.Join(",", platforms);
        spec.Variables[CommitVariable] = "manual";
        spec.ExportedVariables.AddRange(new[] { ImageUriVariable, "IMAGE_TAG" });

        spec.Install = new BuildPhase(new[] { InstallRetry() });

        var login = new List<string>
        {
            // Immutable tags: the commit id plus the build number, so a re-run of a commit pushes a new tag.
            $"COMMIT_TAG=\"${{{CommitVariable}:0:12}}\"",
            // Docker tags allow only letters, digits, '_', '.' and '-', and an S3 source's version id
            // may hold '+' or '/'. Dots go too, so no build tag ever looks like a promotion tag (ENV.TAG).
            "IMAGE_TAG=\"${COMMIT_TAG//[^A-Za-z0-9_-]/-}-b${CODEBUILD_BUILD_NUMBER}\"",
            $"{ImageUriVariable}=\"$REPOSITORY_URI:$IMAGE_TAG\"",
            $"{Retry} bash -c 'aws ecr get-login-password --region \"$AWS_REGION\" | docker login --username AWS --password-stdin \"$REGISTRY\"'",
        };
        login.AddRange(RegistryLogin(build, spec));
        // Every target platform that is not the host's runs under QEMU. Chosen over an ARM build
        // image for arm64-only services: the same x86_64 image and compute types serve every
        // project (ARM_CONTAINER supports fewer compute types and regions, and a custom
        // build.image would have to exist for arm64 too), at the price of slower emulated steps.
        var emulated = platforms.Where(p => p != HostPlatform).Select(p => p.Split('/')[1]).ToArray();
        if (emulated.Length > 0)
        {
            login.Add($"{Retry} docker run --privileged --rm {BinfmtImage} --install {string.Join(",", emulated)}");
        }
        // After the logins: the builder pulls its BuildKit image when it starts.
        login.Add($"docker buildx create --name slipway --driver docker-container --driver-opt image={BuildKitImage} --use");
        login.Add($"{Retry} docker buildx inspect --bootstrap slipway");
        spec.PreBuild = new BuildPhase(login);

        var commands = new List<string>
        {
            $"{Retry} docker buildx build --platform \"$PLATFORMS\" --file \"$DOCKERFILE\" --build-arg APP_VERSION=\"$IMAGE_TAG\" " +
            $"--cache-from type=local,src={BuildxCache} --cache-to type=local,dest={BuildxCache}-new,mode=max " +
            "--provenance=false --tag \"$IMAGE_URI\" --push \"$DOCKER_CONTEXT\"",
            // Replace the cache instead of growing it forever.
            $"rm -rf {BuildxCache} && mv {BuildxCache}-new {BuildxCache}",
            "printf '{\"ImageURI\":\"%s\"}' \"$IMAGE_URI\" > imageDetail.json",
        };
        foreach (var target in environments)
        {
            var envNames = names.ForEnvironment(target.Name);
            commands.Add(WriteFile(DeploymentFiles.TaskDefinitionFile(target.Name), DeploymentFiles.TaskDefinition(envNames, container, target)));
            commands.Add(WriteFile(DeploymentFiles.AppSpecFile(target.Name), DeploymentFiles.AppSpec(container, SharedNames.TrafficGateFunctionArn(target.Account, target.Region, envNames))));
        }
        commands.Add("echo \"Pushed $IMAGE_URI\"");
        spec.Build = new BuildPhase(commands);
        spec.ArtifactFiles.AddRange(new[] { "imageDetail.json", "taskdef-*.json", "appspec-*.yaml" });
        spec.CachePaths.Add(BuildxCache + "/**/*");
        return spec;
    }

    /// <summary>The platforms the image is built for (and scanned on), in buildx's notation.</summary>
    public static IReadOnlyList<string> Platforms(BuildSettings build, ContainerSettings container) =>
        build.MultiArchitecture
            ? new[] { "linux/amd64", "linux/arm64" }
            : new[] { container.Architecture == Architecture.ARM64 ? "linux/arm64" : "linux/amd64" };

    /// <summary>The separate compile step: its whole workspace becomes the image build's input.</summary>
    public static BuildSpecDocument Compile(BuildSettings build)
    {
        var spec = NewSpec(build);
        spec.Install = new BuildPhase(new[] { InstallRetry() });
        spec.Build = new BuildPhase(build.CompileCommand!.ToArray());
        spec.ArtifactFiles.Add("**/*");
        return spec;
    }

    /// <summary>Unit tests with their report.</summary>
    public static BuildSpecDocument UnitTests(BuildSettings build, CheckSettings check, string reportGroupArn)
    {
        var spec = NewSpec(build);
        var (install, commands, report, format) = check.Preset switch
        {
            CheckPreset.Python => (new[] { $"if [ -f requirements.txt ]; then {Retry} pip install -r requirements.txt; fi", $"{Retry} pip install pytest" },
                new[] { "python -m pytest --junitxml=reports/junit.xml" }, "reports/junit.xml", "JUNITXML"),
            CheckPreset.DotNet => (new[] { $"{Retry} dotnet restore" },
                new[] { "dotnet test --no-restore --logger \"trx;LogFileName=unit-tests.trx\" --results-directory reports" }, "reports/*.trx", "VISUALSTUDIOTRX"),
            CheckPreset.Node => (new[] { $"{Retry} npm ci" }, new[] { "npm test" }, "reports/junit.xml", "JUNITXML"),
            _ => (Array.Empty<string>(), Array.Empty<string>(), check.ReportPath, "JUNITXML"),
        };
        spec.Install = new BuildPhase(new[] { InstallRetry(), EnterWorkingDirectory(check) }.Concat(install).ToArray());
        spec.Build = new BuildPhase(new[] { EnterWorkingDirectory(check), "mkdir -p reports" }.Concat(check.Command ?? commands).ToArray());
        if ((check.ReportPath ?? report) is { } path)
        {
            spec.Reports[reportGroupArn] = new BuildReport(new[] { path }, path.EndsWith(".trx", StringComparison.Ordinal) ? "VISUALSTUDIOTRX" : format,
                check.WorkingDirectory);
        }
        spec.CachePaths.AddRange(new[] { "/root/.cache/pip/**/*", "/root/.npm/**/*", "/root/.nuget/packages/**/*" });
        return spec;
    }

    /// <summary>The pinned bandit version of the Bandit preset.</summary>
    public const string BanditVersion = "1.7.10";

    /// <summary>Static analysis (SAST).</summary>
    public static BuildSpecDocument StaticAnalysis(BuildSettings build, CheckSettings check)
    {
        var spec = NewSpec(build);
        var preset = check.Preset == CheckPreset.Bandit
            ? new[]
            {
                // The JSON report is kept whatever it finds; the second run fails the build on high severity.
                "bandit -r . -x ./tests,./test,./node_modules,./.venv --exit-zero -f json -o reports/bandit.json",
                "bandit -r . -x ./tests,./test,./node_modules,./.venv -lll -ii",
            }
            : Array.Empty<string>();
        spec.Install = new BuildPhase(check.Preset == CheckPreset.Bandit
            ? new[] { InstallRetry(), $"{Retry} pip install \"bandit=={BanditVersion}\"" }
            : new[] { InstallRetry() });
        spec.Build = new BuildPhase(new[] { EnterWorkingDirectory(check), "mkdir -p reports" }.Concat(check.Command ?? preset).ToArray());
        spec.ArtifactFiles.Add(check.WorkingDirectory is null ? "reports/**/*" : $"{check.WorkingDirectory}/reports/**/*");
        spec.CachePaths.Add("/root/.cache/pip/**/*");
        return spec;
    }

    /// <summary>The Trivy image scan of every platform, each with its severity gate, report and SBOM.</summary>
    public static BuildSpecDocument ImageScan(BuildSettings build, ContainerSettings container)
    {
        var scan = build.ImageScan;
        var spec = new BuildSpecDocument();
        var severities = ImageScanSettings.AtOrAbove(scan.FailOn);
        spec.Variables["TRIVY_VERSION"] = scan.TrivyVersion;
        spec.Variables["TRIVY_SHA256"] = scan.TrivySha256;
        spec.Variables["TRIVY_DB_REPOSITORY"] = scan.DatabaseRepository;
        spec.Variables["FAIL_SEVERITIES"] = string.Join(",", severities);
        spec.Variables["PLATFORMS"] = string.Join(",", Platforms(build, container));
        spec.Variables[ImageUriVariable] = "";
        spec.Variables["TRIVY_CACHE_DIR"] = ToolDirectory + "/trivy-cache";
        const string trivy = ToolDirectory + "/trivy";
        spec.Install = new BuildPhase(new[]
        {
            InstallRetry(),
            "TRIVY_ARCHIVE=\"trivy_${TRIVY_VERSION}_Linux-64bit.tar.gz\"",
            $"{Retry} curl -fsSL -o \"{ToolDirectory}/$TRIVY_ARCHIVE\" \"https://github.com/aquasecurity/trivy/releases/download/v${{TRIVY_VERSION}}/$TRIVY_ARCHIVE\"",
            // The archive must match the pinned checksum before it runs.
            $"echo \"$TRIVY_SHA256  {ToolDirectory}/$TRIVY_ARCHIVE\" | sha256sum -c -",
            $"tar -xzf \"{ToolDirectory}/$TRIVY_ARCHIVE\" -C {ToolDirectory} trivy",
        });
        spec.PreBuild = new BuildPhase(new[]
        {
            "test -n \"$IMAGE_URI\" || { echo 'IMAGE_URI is not set: the pipeline passes it from the image build' >&2; exit 1; }",
            "export TRIVY_USERNAME=AWS",
            "export TRIVY_PASSWORD=\"$(aws ecr get-login-password --region \"$AWS_REGION\")\"",
            // The DB comes from a mirror that is not rate limited like the default registry.
            $"{Retry} {trivy} image --download-db-only --db-repository \"$TRIVY_DB_REPOSITORY\"",
        });
        // Trivy scans linux/amd64 of a multi-platform image unless told otherwise
        // (https://trivy.dev/latest/docs/target/container_image/ "--platform"): each platform gets
        // its own report, SBOM and gate, and the build fails after all were scanned.
        // --ignore-unfixed applies to the gate only; the reports list every vulnerability.
        var ignoreUnfixed = scan.IgnoreUnfixed ? " --ignore-unfixed" : "";
        spec.Build = new BuildPhase(new[]
        {
            "mkdir -p reports",
            "FAILED_PLATFORMS=\"\"",
            "for platform in ${PLATFORMS//,/ }; do suffix=\"${platform//\\//-}\"; " +
            $"{trivy} image --skip-db-update --platform \"$platform\" --format json --output \"reports/trivy-${{suffix}}.json\" \"$IMAGE_URI\" || exit 1; " +
            $"{trivy} image --skip-db-update --platform \"$platform\" --format cyclonedx --output \"reports/sbom-${{suffix}}.cdx.json\" \"$IMAGE_URI\" || exit 1; " +
            $"{trivy} image --skip-db-update --platform \"$platform\" --exit-code 1 --severity \"$FAIL_SEVERITIES\"{ignoreUnfixed} --format table \"$IMAGE_URI\" " +
            "|| FAILED_PLATFORMS=\"$FAILED_PLATFORMS $platform\"; done",
            "test -z \"$FAILED_PLATFORMS\" || { echo \"Vulnerabilities at or above the severity gate ($FAIL_SEVERITIES) in:$FAILED_PLATFORMS\" >&2; exit 1; }",
        });
        spec.ArtifactFiles.AddRange(new[] { "reports/trivy-*.json", "reports/sbom-*.cdx.json" });
        spec.CachePaths.Add(ToolDirectory + "/trivy-cache/**/*");
        return spec;
    }

    /// <summary>
    /// Adds the promotion tag <c>ENVIRONMENT.IMAGE_TAG</c> to the image about to be deployed into an
    /// environment, so that the lifecycle policy's rule for that environment keeps it (and the
    /// images it may roll back to) whatever the "keep the last N images" rule would expire. Tags
    /// are immutable, so it is a new tag on the same manifest, put the way the ECR guide retags
    /// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-retag.html).
    /// </summary>
    public static BuildSpecDocument PromoteImage(string repositoryName)
    {
        var spec = new BuildSpecDocument();
        spec.Variables["REPOSITORY_NAME"] = repositoryName;
        spec.Variables["IMAGE_TAG"] = "";
        spec.Variables["ENVIRONMENT_NAME"] = "";
        const string mediaTypes = "application/vnd.docker.distribution.manifest.v2+json application/vnd.docker.distribution.manifest.list.v2+json " +
            "application/vnd.oci.image.manifest.v1+json application/vnd.oci.image.index.v1+json";
        const string image = "--repository-name \"$REPOSITORY_NAME\" --image-ids imageTag=\"$IMAGE_TAG\" --accepted-media-types " + mediaTypes;
        spec.Install = new BuildPhase(new[] { InstallRetry() });
        spec.Build = new BuildPhase(new[]
        {
            "test -n \"$IMAGE_TAG\" && test -n \"$ENVIRONMENT_NAME\" || { echo 'IMAGE_TAG and ENVIRONMENT_NAME are set by the pipeline' >&2; exit 1; }",
            $"PROMOTION_TAG=\"${{ENVIRONMENT_NAME}}{PromotionTagSeparator}${{IMAGE_TAG}}\"",
            // The manifest exactly as stored (a single image or a multi-platform index), so the new tag names the same digest.
            $"MANIFEST=\"$({Retry} aws ecr batch-get-image {image} --query 'images[0].imageManifest' --output text)\"",
            $"MEDIA_TYPE=\"$({Retry} aws ecr batch-get-image {image} --query 'images[0].imageManifestMediaType' --output text)\"",
            "test \"$MANIFEST\" != None || { echo \"$REPOSITORY_NAME:$IMAGE_TAG does not exist\" >&2; exit 1; }",
            // Immutable tags: a retried deployment finds its tag already there.
            "if aws ecr describe-images --repository-name \"$REPOSITORY_NAME\" --image-ids imageTag=\"$PROMOTION_TAG\" >/dev/null 2>&1; " +
            "then echo \"$PROMOTION_TAG is already on the image\"; " +
            $"else {Retry} aws ecr put-image --repository-name \"$REPOSITORY_NAME\" --image-tag \"$PROMOTION_TAG\" --image-manifest \"$MANIFEST\" " +
            "--image-manifest-media-type \"$MEDIA_TYPE\" --query 'image.imageId.imageDigest' --output text; fi",
        });
        return spec;
    }

    /// <summary>The integration-test runner: a temporary ECS task in the target environment.</summary>
    public static BuildSpecDocument IntegrationTest(string script)
    {
        var spec = new BuildSpecDocument();
        foreach (var name in IntegrationTestVariables)
        {
            spec.Variables[name] = "";
        }
        spec.Variables["TIMEOUT_MINUTES"] = "15";
        spec.Install = new BuildPhase(new[] { InstallRetry(), WriteFile(ToolDirectory + "/integration-test.sh", script) });
        spec.Build = new BuildPhase(new[] { $"bash {ToolDirectory}/integration-test.sh" });
        return spec;
    }

    /// <summary>The alarm-rollback switch: runs alarm-rollback.sh (see the script for its contract).</summary>
    public static BuildSpecDocument AlarmRollback(string script)
    {
        var spec = new BuildSpecDocument();
        foreach (var name in AlarmRollbackVariables)
        {
            spec.Variables[name] = "";
        }
        spec.Build = new BuildPhase(new[] { WriteFile(ToolDirectory + "/alarm-rollback.sh", script), $"bash {ToolDirectory}/alarm-rollback.sh" });
        return spec;
    }

    /// <summary>The variables the pipeline sets on each alarm-rollback action.</summary>
    public static readonly IReadOnlyList<string> AlarmRollbackVariables = new[]
    {
        "SWITCH_MODE", "ROLLBACK_ON_ALARMS", "TARGET_ROLE_ARN", "TARGET_REGION", "APPLICATION_NAME", "DEPLOYMENT_GROUP", "ENVIRONMENT_NAME",
        "PIPELINE_NAME", "PIPELINE_EXECUTION_ID",
    };

    /// <summary>The variables the pipeline sets on each integration-test action.</summary>
    public static readonly IReadOnlyList<string> IntegrationTestVariables = new[]
    {
        "TARGET_ROLE_ARN", "TARGET_REGION", "PARAMETER_PATH", "CONTAINER_NAME", "TEST_COMMAND_JSON", "LOG_GROUP",
    };

    private static void AddKey(BuildSpecDocument spec, SecretStore store, string? keyArn)
    {
        if (keyArn is not null)
        {
            (store == SecretStore.SecretsManager ? spec.SecretsManagerKeys : spec.ParameterStoreKeys).Add(keyArn);
        }
    }

    private static IEnumerable<string> RegistryLogin(BuildSettings build, BuildSpecDocument spec)
    {
        if (build.RegistryCredentials is not { } creds)
        {
            yield break;
        }
        AddKey(spec, creds.Store, creds.KmsKeyArn);
        if (creds.Store == SecretStore.SecretsManager)
        {
            spec.SecretsManager["REGISTRY_USERNAME"] = $"{creds.Reference}:username";
            spec.SecretsManager["REGISTRY_PASSWORD"] = $"{creds.Reference}:password";
        }
        else
        {
            spec.ParameterStore["REGISTRY_USERNAME"] = $"{creds.Reference.TrimEnd('/')}/username";
            spec.ParameterStore["REGISTRY_PASSWORD"] = $"{creds.Reference.TrimEnd('/')}/password";
        }
        yield return $"{Retry} bash -c 'echo \"$REGISTRY_PASSWORD\" | docker login --username \"$REGISTRY_USERNAME\" --password-stdin'";
    }

    private static string EnterWorkingDirectory(CheckSettings check) =>
        check.WorkingDirectory is null ? "cd \"$CODEBUILD_SRC_DIR\"" : $"cd \"$CODEBUILD_SRC_DIR/{check.WorkingDirectory}\"";

    /// <summary>A command that writes <paramref name="content"/> to <paramref name="path"/> (base64, so no quoting can break it).</summary>
    public static string WriteFile(string path, string content) =>
        $"echo '{Convert.ToBase64String(Encoding.UTF8.GetBytes(content))}' | base64 -d > {path}";
}
