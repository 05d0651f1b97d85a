using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Slipway.Conventions;

namespace Slipway.Tests.Conventions;

public sealed class DestroyOnDeleteTests
{
    [Fact]
    public void Resources_added_after_it_is_applied_are_destroyed_too()
    {
        // Given a stack with the policy applied twice, then a bucket (CDK retains buckets by default)
        var app = new App(new AppProps { AnalyticsReporting = false, Outdir = Path.Combine(Path.GetTempPath(), $"destroy-{Guid.NewGuid():N}") });
        var stack = new Stack(app, "Stack");
        DestroyOnDelete.ApplyTo(stack);
        DestroyOnDelete.ApplyTo(stack);
        _ = new Bucket(stack, "Bucket");

        // When synthesized
        var template = JsonNode.Parse(File.ReadAllText(app.Synth().GetStackByName("Stack").TemplateFullPath))!;

        // Then the bucket is deleted with the stack, and the marker construct exists once
        var bucket = template["Resources"]!.AsObject().Single().Value!;
        Assert.Equal("Delete", bucket["DeletionPolicy"]!.GetValue<string>());
        Assert.Equal("Delete", bucket["UpdateReplacePolicy"]!.GetValue<string>());
        Assert.Single(stack.Node.Children, c => c.Node.Id == DestroyOnDelete.MarkerId);
    }
}
