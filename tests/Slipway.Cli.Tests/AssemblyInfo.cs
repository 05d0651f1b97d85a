// Parallel test classes deadlock the jsii bridge: run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Slipway.Cli.Tests;

internal static class NodeSelection
{
    // Before any test starts jsii: the pinned Node.js from npm ci, as the slipway command uses it.
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void UsePinnedNode() => Slipway.Cli.Synthesis.NodeRuntime.UsePinned();
}
