using System.Text.Json;
using System.Text.RegularExpressions;
using Slipway.Build;

namespace Slipway.Tests.Build;

[Collection(BuildScenarioCollection.Name)]
public sealed class BuildSpecsTests
{
    private readonly BuildScenario _f;

    public BuildSpecsTests(BuildScenario fixture) => _f = fixture;

    private List<string> ImageBuildCommands(int service) => BuildScenario.Commands(_f.Project(service, "ImageBuild").Spec).ToList();

    private static string Variable(JsonElement spec, string name) => spec.GetProperty("env").GetProperty("variables").GetProperty(name).GetString()!;

    [Fact]
    public void Arm64_only_image_installs_the_arm64_emulator_before_building_on_the_x86_64_host()
    {
        var spec = _f.Project(0, "ImageBuild").Spec;
        Assert.Equal("linux/arm64", Variable(spec, "PLATFORMS"));
        var commands = ImageBuildCommands(0);
        var binfmt = commands.FindIndex(c => c.Contains("binfmt") && c.Contains("--install arm64"));
        Assert.True(binfmt >= 0, "no emulator installed for linux/arm64");
        Assert.True(binfmt < commands.FindIndex(c => c.Contains("docker buildx build")));
        // Both platforms: only arm64 is emulated. amd64 only: no emulator at all.
        Assert.Contains(ImageBuildCommands(1), c => c.Contains("binfmt") && c.EndsWith("--install arm64", StringComparison.Ordinal));
        Assert.DoesNotContain(ImageBuildCommands(2), c => c.Contains("binfmt"));
        Assert.Equal("linux/amd64", Variable(_f.Project(2, "ImageBuild").Spec, "PLATFORMS"));
    }

    [Fact]
    public void Builder_images_come_from_ecr_public_or_a_pinned_tag_pulled_after_the_registry_login()
    {
        foreach (var service in new[] { 0, 1 })
        {
            var commands = ImageBuildCommands(service);
            var binfmt = commands.Single(c => c.Contains("binfmt"));
            Assert.Contains($"docker run --privileged --rm {BuildSpecs.BinfmtImage} --install arm64", binfmt);
            Assert.StartsWith("public.ecr.aws/eks-distro-build-tooling/binfmt-misc:qemu-v", BuildSpecs.BinfmtImage, StringComparison.Ordinal);
            var create = commands.FindIndex(c => c.StartsWith("docker buildx create", StringComparison.Ordinal));
            Assert.Contains($"--driver docker-container --driver-opt image={BuildSpecs.BuildKitImage} ", commands[create]);
            Assert.Matches(@"^moby/buildkit:v\d+\.\d+\.\d+$", BuildSpecs.BuildKitImage);
            // The builder (and its image pull) starts after the login with the team's registry credentials.
            var login = commands.FindIndex(c => c.Contains("$REGISTRY_USERNAME"));
            Assert.True(login >= 0 && login < create, $"service {service}: buildx create at {create}, registry login at {login}");
            Assert.Contains(commands, c => c.Contains("docker buildx inspect --bootstrap slipway") && c.StartsWith(BuildSpecs.Retry, StringComparison.Ordinal));
        }
        // No command pulls an unqualified Docker Hub builder image.
        Assert.DoesNotContain(Enumerable.Range(0, 3).SelectMany(ImageBuildCommands), c => c.Contains("tonistiigi/binfmt"));
    }

    [Fact]
    public void Image_scan_scans_and_reports_every_platform_and_gates_each()
    {
        var spec = _f.Project(1, "ImageScan").Spec;
        Assert.Equal("linux/amd64,linux/arm64", Variable(spec, "PLATFORMS"));
        var scan = BuildScenario.Commands(spec).Single(c => c.Contains("for platform in"));
        Assert.Contains("for platform in ${PLATFORMS//,/ }; do", scan);
        foreach (var part in new[]
                 {
                     "--platform \"$platform\" --format json --output \"reports/trivy-${suffix}.json\" \"$IMAGE_URI\"",
                     "--platform \"$platform\" --format cyclonedx --output \"reports/sbom-${suffix}.cdx.json\" \"$IMAGE_URI\"",
                     "--platform \"$platform\" --exit-code 1 --severity \"$FAIL_SEVERITIES\"",
                 })
        {
            Assert.Contains(part, scan);
        }
        // Every platform is gated before the build fails; the default keeps unfixed vulnerabilities.
        Assert.Contains(BuildScenario.Commands(spec), c => c.Contains("FAILED_PLATFORMS") && c.Contains("exit 1"));
        Assert.DoesNotContain("--ignore-unfixed", scan);
        Assert.Equal(new[] { "reports/trivy-*.json", "reports/sbom-*.cdx.json" },
            spec.GetProperty("artifacts").GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        // The single-platform image is scanned on its own platform, not Trivy's default (linux/amd64).
        Assert.Equal("linux/arm64", Variable(_f.Project(0, "ImageScan").Spec, "PLATFORMS"));
    }

    [Fact]
    public void Ignore_unfixed_drops_vulnerabilities_without_a_fix_from_the_gate_only()
    {
        var scan = BuildScenario.Commands(_f.Project(0, "ImageScan").Spec).Single(c => c.Contains("for platform in"));
        var gate = Regex.Match(scan, "[^;]*--exit-code 1[^;]*").Value;
        Assert.Contains("--ignore-unfixed", gate);
        Assert.Single(Regex.Matches(scan, "--ignore-unfixed"));
    }
}

[Collection(BuildScenarioCollection.Name)]
public sealed class ImageTagTests
{
    private readonly BuildScenario _f;

    public ImageTagTests(BuildScenario fixture) => _f = fixture;

    // The tag commands of the synthesized image build, run for real by bash.
    private string Tag(string commitId)
    {
        var commands = BuildScenario.Commands(_f.Project(2, "ImageBuild").Spec).TakeWhile(c => !c.Contains("docker login")).Where(c => !c.StartsWith("mkdir", StringComparison.Ordinal));
        var start = new System.Diagnostics.ProcessStartInfo("bash", new[] { "-c", string.Join("\n", commands) + "\nprintf '%s' \"$IMAGE_TAG\"" })
        {
            RedirectStandardOutput = true,
            Environment = { ["COMMIT_ID"] = commitId, ["CODEBUILD_BUILD_NUMBER"] = "7", ["REPOSITORY_URI"] = "r" },
        };
        using var bash = System.Diagnostics.Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        Assert.Equal(0, bash.ExitCode);
        return output;
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef01234567", "0123456789ab-b7")]
    // An S3 source's commit is the object's version id, which may hold '+', '/' or '.'.
    [InlineData("3HL4kq+J/cp.XroDTDmJ", "3HL4kq-J-cp--b7")]
    public void Image_tag_is_a_valid_docker_tag_that_no_promotion_prefix_matches(string commitId, string expected)
    {
        var tag = Tag(commitId);
        Assert.Equal(expected, tag);
        Assert.Matches("^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$", tag);
        Assert.DoesNotContain(BuildSpecs.PromotionTagSeparator, tag);
    }
}
