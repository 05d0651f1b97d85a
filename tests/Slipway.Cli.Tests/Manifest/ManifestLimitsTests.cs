using System.Diagnostics;
using Slipway.Cli.Manifest;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Manifest;

/// <summary>
/// Hostile manifests (a pull request's, read on a shared CI runner) are rejected while they are
/// read, naming the limit, in little time and memory; real uses of anchors and aliases still load.
/// </summary>
public sealed class ManifestLimitsTests
{
    // The 9-line manifest of the issue: 9 aliases of 9 aliases ... of 9 values, 9^9 nodes.
    private static readonly string Bomb = File.ReadAllText(Path.Combine(Repository.Root, "tests", "faults", "hostile", "alias-bomb.yaml"));

    private static string Problem(string text, string file = "m.yaml") =>
        Assert.Single(Assert.Throws<ManifestException>(() => ManifestLoader.Read(file, text)).Problems);

    [Fact]
    public void An_alias_bomb_is_rejected_within_a_second_and_a_few_megabytes()
    {
        ManifestLoader.Load("warm.yaml", ManifestLoaderTests.Valid);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();

        var problem = Problem(Bomb, "bomb.yaml");

        clock.Stop();
        var megabytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1048576.0;
        Assert.Equal("bomb.yaml:6:26: the manifest holds more than 500,000 YAML nodes (keys, values, lists and mappings) once its aliases are expanded (here *e adds 66,430); Slipway reads at most 500,000 (a service is about 110). An alias (*name) repeats everything its anchor (&name) holds: use fewer aliases of large anchors, or split the manifest.", problem);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{clock.Elapsed.TotalMilliseconds} ms");
        Assert.True(megabytes < 20, $"{megabytes:0.0} MB allocated");
    }

    [Fact]
    public void An_alias_inside_its_own_anchor_is_rejected_instead_of_recursing_forever()
    {
        Assert.Equal("m.yaml:2:15: *a refers to &a, which contains it. An alias repeats a complete node anchored earlier in the file: define &a before it, outside the node it anchors.",
            Problem("services:\n  - name: &a [*a]\n"));
    }

    [Fact]
    public void An_alias_before_its_anchor_is_rejected()
    {
        Assert.Equal("m.yaml:2:11: *a refers to no anchor &a above it. An alias repeats a complete node anchored earlier in the file: define &a before it, outside the node it anchors.",
            Problem("services:\n  - name: *a\n  - name: &a x\n"));
    }

    [Fact]
    public void An_anchor_defined_twice_is_rejected()
    {
        Assert.Equal("m.yaml:2:4: the anchor &a is defined a second time (first at line 1). Give each anchor its own name.",
            Problem("x: &a [1]\ny: &a [*a, *a]\nservices: []\n"));
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected_also_through_aliases()
    {
        Assert.Equal("m.yaml:2:72: lists and mappings nest more than 64 levels deep here; Slipway reads at most 64 (a manifest needs about 7). Remove the extra nesting.",
            Problem($"services:\n  - name: {new string('[', 10_000)}{new string(']', 10_000)}\n"));
        // Each line is one level deeper than the anchor it repeats: a[i] is i + 2 deep, inside a
        // list in the root mapping, so *a61 (on the line of a62) reaches 65.
        var chain = "a0: &a0 [x]\n" + string.Join("", Enumerable.Range(1, 70).Select(i => $"a{i}: &a{i} [*a{i - 1}]\n"));
        Assert.StartsWith("m.yaml:63:12: lists and mappings nest more than 64 levels deep here (with what *a61 holds)", Problem(chain));
    }

    [Fact]
    public void A_manifest_larger_than_the_limit_is_rejected_before_it_is_parsed()
    {
        var text = "services: []\n" + new string('#', ManifestLimits.MaxBytes);
        Assert.Equal($"m.yaml: the manifest is {ManifestLimits.MaxBytes + 13:N0} bytes; Slipway reads manifests of at most 1 MB (1,048,576 bytes). Split the services into several manifests: each is synthesized on its own.",
            Problem(text));
    }

    [Fact]
    public void A_file_is_read_no_further_than_the_limit()
    {
        // /dev/zero never ends: it must be refused after MaxBytes + 1 bytes.
        var problem = Assert.Single(Assert.Throws<ManifestException>(() => ManifestLoader.ReadFile("/dev/zero")).Problems);
        Assert.Equal("/dev/zero: the manifest is longer than 1 MB (1,048,576 bytes), the most Slipway reads. Split the services into several manifests: each is synthesized on its own.", problem);
    }

    [Fact]
    public void More_services_or_environments_than_the_limits_are_rejected()
    {
        var services = "services:\n" + string.Concat(Enumerable.Range(0, 1001).Select(i => $"  - name: s{i}\n"));
        Assert.Equal("m.yaml:1002:5: services: more than 1,000 services; a manifest holds at most 1,000 (Slipway's limit). Split them into several manifests: each is synthesized on its own.",
            Problem(services));
        var environments = "services:\n  - name: a\n    environments:\n" + string.Concat(Enumerable.Range(0, 101).Select(i => $"      - name: e{i}\n"));
        Assert.Equal("m.yaml:104:9: environments: more than 100 environments in one service; a service has at most 100 (Slipway's limit). Give the service fewer environments.",
            Problem(environments));
    }

    [Fact]
    public void A_list_as_a_key_is_a_manifest_problem_not_an_internal_error()
    {
        Assert.Equal("m.yaml:1:3: a key must be a field name (text), not a list. Write `name: value`.", Problem("? [a, b]\n: c\n"));
    }

    [Fact]
    public void Anchors_and_aliases_as_manifests_use_them_still_load()
    {
        var text = ManifestLoaderTests.Valid
            .Replace("      - name: staging\n        account: \"111111111111\"\n        region: us-east-1\n",
                "      - &staging\n        name: staging\n        account: &account \"111111111111\"\n        region: &region us-east-1\n", StringComparison.Ordinal)
            .Replace("      - name: prod\n        account: \"111111111111\"\n        region: us-east-1", "      - name: prod\n        account: *account\n        region: *region", StringComparison.Ordinal);
        Assert.Contains("*account", text, StringComparison.Ordinal);

        var service = Assert.Single(ManifestLoader.Load("m.yaml", text));
        Assert.Equal(new[] { ("staging", "111111111111", "us-east-1"), ("prod", "111111111111", "us-east-1") },
            service.Environments.Select(e => (e.Name, e.Account, e.Region)));
    }

    [Fact]
    public void The_readme_states_the_limits_the_reader_enforces()
    {
        var readme = File.ReadAllText(Repository.PathOf("README.md"));
        string N(int n) => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"| file size | {ManifestLimits.MaxBytes / 1048576} MiB ({N(ManifestLimits.MaxBytes)} bytes); a longer file is not read further |", readme, StringComparison.Ordinal);
        Assert.Contains($"| YAML nodes (keys, values, lists, mappings), every alias expanded | {N(ManifestLimits.MaxNodes)} |", readme, StringComparison.Ordinal);
        Assert.Contains($"| nesting of lists and mappings, through aliases too | {ManifestLimits.MaxDepth} levels |", readme, StringComparison.Ordinal);
        Assert.Contains($"| services in a manifest | {N(ManifestLimits.MaxServices)} |", readme, StringComparison.Ordinal);
        Assert.Contains($"| environments of a service | {N(ManifestLimits.MaxEnvironments)} |", readme, StringComparison.Ordinal);
    }
}
