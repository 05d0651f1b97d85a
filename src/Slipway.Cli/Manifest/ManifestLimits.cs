using System.Globalization;
using Newtonsoft.Json.Linq;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Slipway.Cli.Manifest;

/// <summary>
/// The most a manifest may hold. Every limit is far above a real manifest (one service in dev,
/// staging and prod is about 1.4 KB, 110 YAML nodes and 7 levels deep), and every one is checked
/// while the file is read, so a hostile manifest (a pull request's, read on a shared CI runner) is
/// rejected within a second and a few megabytes of memory instead of exhausting the machine.
/// </summary>
/// <remarks>
/// YamlDotNet 16.3 has no alias-expansion limit (its only bound, <c>WithMaximumRecursion</c>,
/// applies to serializing objects), and its representation model shares the node an alias names,
/// so a 9-line "billion laughs" manifest loads cheaply and explodes only when it is turned into
/// JSON (9 aliases of 9 aliases ... of 9 values: 9^9, 387 million nodes). <see cref="Counting"/>
/// counts the nodes every alias stands for while the parser reads, before anything is built.
/// </remarks>
public static class ManifestLimits
{
    /// <summary>The largest manifest file, in bytes (1 MiB: about 700 services in three environments each).</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>YAML nodes (keys, values, lists and mappings) once every alias is expanded.</summary>
    public const int MaxNodes = 500_000;

    /// <summary>How deeply lists and mappings may nest (aliases included); a manifest needs about 7.</summary>
    public const int MaxDepth = 64;

    /// <summary>Services in one manifest.</summary>
    public const int MaxServices = 1_000;

    /// <summary>Environments of one service.</summary>
    public const int MaxEnvironments = 100;

    /// <summary>
    /// Reads the file at <paramref name="path"/> as UTF-8, reading no more than
    /// <see cref="MaxBytes"/> + 1 bytes: a larger file (or an endless one such as /dev/zero) is
    /// rejected without being read.
    /// </summary>
    public static string ReadText(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }
        if (length > MaxBytes)
        {
            throw TooLarge(path, stream.CanSeek && stream.Length > MaxBytes ? stream.Length : null);
        }
        using var reader = new StreamReader(new MemoryStream(buffer, 0, length), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>Rejects manifest text longer than <see cref="MaxBytes"/> (in UTF-8).</summary>
    public static void CheckSize(string fileName, string text)
    {
        // Cheap first: a UTF-8 character takes at least one byte.
        if (text.Length > MaxBytes || System.Text.Encoding.UTF8.GetByteCount(text) > MaxBytes)
        {
            throw TooLarge(fileName, System.Text.Encoding.UTF8.GetByteCount(text));
        }
    }

    /// <summary>Rejects a document with more services, or a service with more environments, than the limits.</summary>
    public static void CheckCounts(YamlDocument doc)
    {
        if (doc.Root is not JObject root || root["services"] is not JArray services)
        {
            return;
        }
        var problems = new List<string>();
        if (services.Count > MaxServices)
        {
            problems.Add($"{doc.Locate("services")}: services: {Count(services.Count)} services; a manifest holds at most {Count(MaxServices)} (Slipway's limit). Split them into several manifests: each is synthesized on its own.");
        }
        foreach (var (service, i) in services.Take(MaxServices + 1).Select((s, i) => (s, i)))
        {
            if (service is JObject s && s["environments"] is JArray environments && environments.Count > MaxEnvironments)
            {
                problems.Add($"{doc.Locate($"services[{i}].environments")}: services[{i}].environments: {Count(environments.Count)} environments; a service has at most {MaxEnvironments} (Slipway's limit). Give the service fewer environments.");
            }
        }
        if (problems.Count > 0)
        {
            throw new ManifestException(problems);
        }
    }

    private static ManifestException TooLarge(string fileName, long? bytes) => new(new[]
    {
        (bytes is { } b
            ? $"{fileName}: the manifest is {Count(b)} bytes; Slipway reads manifests of at most {MaxBytes / 1048576} MB ({Count(MaxBytes)} bytes)."
            : $"{fileName}: the manifest is longer than {MaxBytes / 1048576} MB ({Count(MaxBytes)} bytes), the most Slipway reads.")
        + " Split the services into several manifests: each is synthesized on its own.",
    });

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>
    /// A parser that passes YamlDotNet's events on unchanged while it counts what they expand to:
    /// each node counts 1, each alias the nodes of its anchor (counted when the anchor's node
    /// ended), and lists and mappings their depth, an alias adding the depth of its anchor; and
    /// the items of <c>services</c> and of each service's <c>environments</c>. It stops with a
    /// <see cref="ManifestException"/> at the first event beyond a limit, before the rest is read.
    /// </summary>
    public sealed class Counting : IParser
    {
        private readonly IParser _inner;
        private readonly string _fileName;
        private readonly Dictionary<AnchorName, (long Nodes, int Height)> _anchors = new();
        // Where each anchor of the document is defined, complete or still open.
        private readonly Dictionary<AnchorName, Mark> _defined = new();
        private readonly Stack<Frame> _open = new();
        private long _nodes;

        // An open list or mapping: its anchor, the nodes and greatest height below it so far, its
        // items (keys and values, for a mapping), the last key read, and what it is in a manifest.
        private sealed class Frame
        {
            public required AnchorName Anchor { get; init; }
            public required bool IsMapping { get; init; }
            public required Role Role { get; init; }
            public long Nodes { get; set; } = 1;
            public int Height { get; set; }
            public int Items { get; set; }
            public string? Key { get; set; }
        }

        private enum Role
        {
            Other,
            Root,
            Services,
            Service,
            Environments,
        }

        /// <summary>Counts the events of <paramref name="inner"/>; <paramref name="fileName"/> is shown in errors.</summary>
        public Counting(IParser inner, string fileName)
        {
            _inner = inner;
            _fileName = fileName;
        }

        /// <inheritdoc />
        public ParsingEvent? Current => _inner.Current;

        /// <summary>The nodes counted so far, aliases expanded.</summary>
        public long Nodes => _nodes;

        /// <inheritdoc />
        public bool MoveNext()
        {
            if (!_inner.MoveNext())
            {
                return false;
            }
            var current = _inner.Current;
            switch (current)
            {
                case DocumentStart:
                    // Anchors belong to their document (YAML 1.2, 3.2.2.2).
                    _anchors.Clear();
                    _defined.Clear();
                    break;
                case MappingStart or SequenceStart:
                    var anchor = ((NodeEvent)current).Anchor;
                    Define(anchor, current);
                    var role = Item(current, current is MappingStart);
                    Add(1, 0, current);
                    _open.Push(new Frame { Anchor = anchor, IsMapping = current is MappingStart, Role = role });
                    if (_open.Count > MaxDepth)
                    {
                        throw TooDeep(current);
                    }
                    break;
                case MappingEnd or SequenceEnd when _open.Count > 0:
                    var ended = _open.Pop();
                    if (!ended.Anchor.IsEmpty)
                    {
                        _anchors[ended.Anchor] = (ended.Nodes, ended.Height + 1);
                    }
                    // The node's own 1 was counted in the total when it started.
                    AddToParent(ended.Nodes, ended.Height + 1);
                    break;
                case Scalar scalar:
                    Define(scalar.Anchor, scalar);
                    if (_open.Count > 0 && _open.Peek() is { IsMapping: true } map && map.Items % 2 == 0)
                    {
                        map.Key = scalar.Value;
                    }
                    Item(scalar, null);
                    Add(1, 1, scalar);
                    if (!scalar.Anchor.IsEmpty)
                    {
                        _anchors[scalar.Anchor] = (1, 1);
                    }
                    break;
                case AnchorAlias alias:
                    if (!_anchors.TryGetValue(alias.Value, out var anchored))
                    {
                        // YamlDotNet resolves such aliases after the document, to the last anchor of
                        // that name: forward aliases escape the count, and one inside its own anchor
                        // makes a cycle that never ends. YAML allows neither (1.2, 7.1: an alias
                        // refers to the most recent preceding node with that anchor).
                        throw new ManifestException(new[]
                        {
                            $"{_fileName}:{alias.Start.Line}:{alias.Start.Column}: *{alias.Value} refers to {(_defined.ContainsKey(alias.Value) ? $"&{alias.Value}, which contains it" : $"no anchor &{alias.Value} above it")}. An alias repeats a complete node anchored earlier in the file: define &{alias.Value} before it, outside the node it anchors.",
                        });
                    }
                    var (aliasNodes, aliasHeight) = anchored;
                    if (_open.Count + aliasHeight > MaxDepth)
                    {
                        throw TooDeep(alias);
                    }
                    Item(alias, null);
                    Add(aliasNodes, aliasHeight, alias);
                    break;
            }
            return true;
        }

        // Counts an item of the open list or mapping: a service of services, an environment of a
        // service's environments; returns the role of a list or mapping that starts there.
        private Role Item(ParsingEvent at, bool? startsMapping)
        {
            if (_open.Count == 0)
            {
                return startsMapping == true ? Role.Root : Role.Other;
            }
            var parent = _open.Peek();
            parent.Items++;
            var isValue = parent.IsMapping && parent.Items % 2 == 0;
            if (parent.Role == Role.Services && parent.Items > MaxServices)
            {
                throw new ManifestException(new[]
                {
                    $"{_fileName}:{at.Start.Line}:{at.Start.Column}: services: more than {Count(MaxServices)} services; a manifest holds at most {Count(MaxServices)} (Slipway's limit). Split them into several manifests: each is synthesized on its own.",
                });
            }
            if (parent.Role == Role.Environments && parent.Items > MaxEnvironments)
            {
                throw new ManifestException(new[]
                {
                    $"{_fileName}:{at.Start.Line}:{at.Start.Column}: environments: more than {MaxEnvironments} environments in one service; a service has at most {MaxEnvironments} (Slipway's limit). Give the service fewer environments.",
                });
            }
            return (parent.Role, isValue ? parent.Key : null, startsMapping) switch
            {
                (Role.Root, "services", false) => Role.Services,
                (Role.Services, _, true) => Role.Service,
                (Role.Service, "environments", false) => Role.Environments,
                _ => Role.Other,
            };
        }

        // A second anchor of the same name: YamlDotNet would resolve every alias of it, even ones
        // before it, to the last one, which can make a cycle.
        private void Define(AnchorName anchor, ParsingEvent at)
        {
            if (anchor.IsEmpty)
            {
                return;
            }
            if (_defined.TryGetValue(anchor, out var first))
            {
                throw new ManifestException(new[]
                {
                    $"{_fileName}:{at.Start.Line}:{at.Start.Column}: the anchor &{anchor} is defined a second time (first at line {first.Line}). Give each anchor its own name.",
                });
            }
            _defined[anchor] = at.Start;
        }

        // Counts a node that starts (or an alias) in the total and in the list or mapping it is in.
        private void Add(long nodes, int height, ParsingEvent at)
        {
            _nodes += nodes;
            if (_nodes > MaxNodes)
            {
                throw new ManifestException(new[]
                {
                    $"{_fileName}:{at.Start.Line}:{at.Start.Column}: the manifest holds more than {Count(MaxNodes)} YAML nodes (keys, values, lists and mappings) once its aliases are expanded{(at is AnchorAlias a ? $" (here *{a.Value} adds {Count(nodes)})" : "")}; Slipway reads at most {Count(MaxNodes)} (a service is about 110). An alias (*name) repeats everything its anchor (&name) holds: use fewer aliases of large anchors, or split the manifest.",
                });
            }
            if (height > 0)
            {
                AddToParent(nodes, height);
            }
        }

        private void AddToParent(long nodes, int height)
        {
            if (_open.Count > 0)
            {
                var parent = _open.Peek();
                parent.Nodes += nodes;
                parent.Height = Math.Max(parent.Height, height);
            }
        }

        private ManifestException TooDeep(ParsingEvent at) => new(new[]
        {
            $"{_fileName}:{at.Start.Line}:{at.Start.Column}: lists and mappings nest more than {MaxDepth} levels deep here{(at is AnchorAlias a ? $" (with what *{a.Value} holds)" : "")}; Slipway reads at most {MaxDepth} (a manifest needs about 7). Remove the extra nesting.",
        });
    }
}
