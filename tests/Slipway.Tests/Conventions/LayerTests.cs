using Slipway.Tests.TestSupport;

namespace Slipway.Tests.Conventions;

/// <summary>
/// The library's namespaces form layers, lowest first: Conventions → Model → (Runtime | Build |
/// Access) → Pipeline → Observability → Stacks (the composition). A type may reference types of
/// its own namespace and of lower layers only: never a higher layer, never a peer in the same
/// layer, so no namespace cycle can form. Read from the compiled assembly (<see cref="TypeReferences"/>),
/// method bodies included.
/// </summary>
public sealed class LayerTests
{
    /// <summary>The declared order, lowest first; namespaces in one entry are peers.</summary>
    public static readonly string[][] SlipwayLayers =
    {
        new[] { "Slipway.Conventions" },
        new[] { "Slipway.Model" },
        new[] { "Slipway.Runtime", "Slipway.Build", "Slipway.Access" },
        new[] { "Slipway.Pipeline" },
        new[] { "Slipway.Observability" },
        new[] { "Slipway.Stacks" },
    };

    [Fact]
    public void Slipway_namespaces_reference_only_their_own_and_lower_layers()
    {
        var edges = TypeReferences.Read(typeof(Slipway.Conventions.ResourceNames).Assembly.Location, "Slipway")
            .Union(TypeReferences.ConstantUses(Repository.PathOf("src/Slipway"))).ToHashSet();

        var problems = LayerProblems(edges, SlipwayLayers);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // The reader sees the composition layer's references at all (an empty graph passes trivially).
        Assert.Contains(edges, e => e.From == "Slipway.Stacks.ServiceRuntimeStack" && e.To == "Slipway.Runtime.BlueGreenService");
    }

    [Fact]
    public void A_reference_up_a_layer_a_peer_reference_and_a_cycle_are_each_reported_with_their_edges()
    {
        // Fixture types below: Low calls High in a method body only, High holds a Low in a field,
        // PeerA and PeerB (one layer) reference each other through a base type and a local variable.
        var edges = TypeReferences.Read(typeof(LayerTests).Assembly.Location, Fixture.Prefix);

        var problems = LayerProblems(edges, new[]
        {
            new[] { Fixture.Prefix + ".Low" },
            new[] { Fixture.Prefix + ".PeerA", Fixture.Prefix + ".PeerB" },
            new[] { Fixture.Prefix + ".High" },
        });

        Assert.Equal(new[]
        {
            $"{Fixture.Prefix}.Low → {Fixture.Prefix}.High (a lower layer references a higher one): {Fixture.Prefix}.Low.Lower → {Fixture.Prefix}.High.Higher",
            $"{Fixture.Prefix}.PeerA → {Fixture.Prefix}.PeerB (peers in one layer): {Fixture.Prefix}.PeerA.First → {Fixture.Prefix}.PeerB.Second",
            $"{Fixture.Prefix}.PeerB → {Fixture.Prefix}.PeerA (peers in one layer): {Fixture.Prefix}.PeerB.Second → {Fixture.Prefix}.PeerA.First",
            $"namespace cycle: {Fixture.Prefix}.High → {Fixture.Prefix}.Low → {Fixture.Prefix}.High",
            $"namespace cycle: {Fixture.Prefix}.PeerA → {Fixture.Prefix}.PeerB → {Fixture.Prefix}.PeerA",
        }, problems);
    }

    [Fact]
    public void A_constant_of_another_namespace_is_found_in_the_source_though_its_value_is_copied_into_the_il()
    {
        var il = TypeReferences.Read(typeof(LayerTests).Assembly.Location, Fixture.Prefix);
        var constants = TypeReferences.ConstantUses(Repository.PathOf("tests/Slipway.Tests/Conventions"));

        var edge = new TypeReferences.Edge(Fixture.Prefix + ".PeerA.First", Fixture.Prefix + ".High.Higher");
        Assert.DoesNotContain(edge, il);
        Assert.Contains(edge, constants);
    }

    [Fact]
    public void A_namespace_outside_the_declared_layers_is_reported()
    {
        var edges = new HashSet<TypeReferences.Edge> { new("Slipway.Internal.Helper", "Slipway.Conventions.ResourceNames") };

        var problems = LayerProblems(edges, SlipwayLayers);

        Assert.Equal(new[] { "Slipway.Internal is in no declared layer (add it to the order): Slipway.Internal.Helper → Slipway.Conventions.ResourceNames" }, problems);
    }

    /// <summary>
    /// Each reference against <paramref name="layers"/> (up a layer, or between peers), grouped by
    /// namespace pair with its type → type edges, then each namespace cycle.
    /// </summary>
    public static List<string> LayerProblems(IReadOnlySet<TypeReferences.Edge> edges, string[][] layers)
    {
        static string NamespaceOf(string type) => type[..type.LastIndexOf('.')];
        var layerOf = layers.SelectMany((names, i) => names.Select(n => (n, i))).ToDictionary(x => x.n, x => x.i);
        var problems = new List<string>();

        var between = edges.Select(e => (e, From: NamespaceOf(e.From), To: NamespaceOf(e.To))).Where(x => x.From != x.To).ToList();
        foreach (var unknown in between.SelectMany(x => new[] { (x.From, x.e), (x.To, x.e) }).Where(x => !layerOf.ContainsKey(x.Item1))
                     .GroupBy(x => x.Item1).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            problems.Add($"{unknown.Key} is in no declared layer (add it to the order): " +
                         string.Join(", ", unknown.Select(x => x.e.ToString()).Distinct().Order(StringComparer.Ordinal)));
        }
        foreach (var pair in between.Where(x => layerOf.ContainsKey(x.From) && layerOf.ContainsKey(x.To) && layerOf[x.From] <= layerOf[x.To])
                     .GroupBy(x => (x.From, x.To)).OrderBy(g => g.Key.From, StringComparer.Ordinal).ThenBy(g => g.Key.To, StringComparer.Ordinal))
        {
            var why = layerOf[pair.Key.From] == layerOf[pair.Key.To] ? "peers in one layer" : "a lower layer references a higher one";
            problems.Add($"{pair.Key.From} → {pair.Key.To} ({why}): " +
                         string.Join(", ", pair.Select(x => x.e.ToString()).Order(StringComparer.Ordinal)));
        }

        // Cycles between namespaces, whatever the declared order says: each strongly connected
        // component of two or more namespaces, shown as one closed path through it.
        var graph = between.GroupBy(x => x.From).ToDictionary(g => g.Key, g => g.Select(x => x.To).Distinct().Order(StringComparer.Ordinal).ToList());
        foreach (var component in StronglyConnected(graph).Where(c => c.Count > 1).Select(c => c.Order(StringComparer.Ordinal).ToList()).OrderBy(c => c[0], StringComparer.Ordinal))
        {
            problems.Add("namespace cycle: " + string.Join(" → ", ClosedPath(graph, component)));
        }
        return problems;
    }

    private static List<List<string>> StronglyConnected(Dictionary<string, List<string>> graph)
    {
        // Tarjan's algorithm; namespaces are few, recursion depth is no concern.
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.GetValueOrDefault(v) ?? new List<string>())
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }
            if (low[v] == index[v])
            {
                var component = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                result.Add(component);
            }
        }
        foreach (var v in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(v))
            {
                Visit(v);
            }
        }
        return result;
    }

    /// <summary>A shortest cycle from the component's first namespace back to itself, inside the component.</summary>
    private static List<string> ClosedPath(Dictionary<string, List<string>> graph, List<string> component)
    {
        var start = component[0];
        var inside = component.ToHashSet();
        var previous = new Dictionary<string, string>();
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            foreach (var w in (graph.GetValueOrDefault(v) ?? new List<string>()).Where(inside.Contains))
            {
                if (w == start)
                {
                    var path = new List<string> { start };
                    for (var at = v; at != start; at = previous[at])
                    {
                        path.Add(at);
                    }
                    path.Add(start);
                    path.Reverse();
                    return path;
                }
                if (previous.TryAdd(w, v))
                {
                    queue.Enqueue(w);
                }
            }
        }
        return component;
    }
}

/// <summary>The namespaces <see cref="LayerTests"/> reads as a layered assembly that breaks its order.</summary>
internal static class Fixture
{
    public const string Prefix = "Slipway.Tests.Conventions.LayerFixture";
}
