using System.Runtime.CompilerServices;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// The root and path of a construct, read from the JavaScript runtime once per construct.
/// </summary>
/// <remarks>
/// Every property read on a construct (<c>Node</c>, <c>Node.Root</c>, <c>Node.Path</c>) is a
/// round trip to the jsii kernel, and synthesis time grows with their number. A construct's scope
/// and id are fixed when it is created, so its root and path never change and can be remembered
/// for the lifetime of its C# proxy (jsii hands out one proxy per JavaScript object).
/// </remarks>
internal static class ConstructLocation
{
    private sealed record Location(object Root, string Path);

    private static readonly ConditionalWeakTable<object, Location> Known = new();

    /// <summary>The app (root) <paramref name="construct"/> belongs to, and its path in it.</summary>
    public static (object Root, string Path) Of(IConstruct construct)
    {
        var location = Known.GetValue(construct, c =>
        {
            var node = ((IConstruct)c).Node;
            return new Location(node.Root, node.Path);
        });
        return (location.Root, location.Path);
    }
}
