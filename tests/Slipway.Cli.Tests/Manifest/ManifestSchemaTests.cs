using Slipway.Cli.Manifest;
using Slipway.Tests.TestSupport;

namespace Slipway.Cli.Tests.Manifest;

public sealed class ManifestSchemaTests
{
    [Fact]
    public void Every_example_references_the_schema_and_validates_against_it()
    {
        var manifests = Directory.GetFiles(Repository.PathOf("examples"), "*.yaml").Append(Repository.PathOf("slipway.yaml")).ToList();
        Assert.True(manifests.Count >= 6);
        foreach (var file in manifests)
        {
            Assert.StartsWith("# yaml-language-server: $schema=", File.ReadLines(file).First());
            Assert.NotEmpty(ManifestLoader.LoadFile(file));
        }
    }

    [Fact]
    public void The_every_field_manifest_is_itself_schema_valid()
    {
        var doc = YamlDocument.Parse("every-field.json", File.ReadAllText(Repository.PathOf("tests/Slipway.Cli.Tests/Manifest/every-field.json")));
        Assert.Empty(ManifestSchema.Validate(doc));
    }
}
