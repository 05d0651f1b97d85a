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
    /// <summary>The largest manifest file, in bytes (2 MiB: about 1,500 services).</summary>
    public const int MaxBytes = 2 * 1024 * 1024;

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
                problems.Add($"{doc.Locate($"services[{i}].environments")}: services[{i}].environments: {Count(environments.Count)} environments; a service has at most {MaxEnvironments} (Slipway's limit; a CodePipeline pipeline has at most 50 stages). Give the service fewer environments.");
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
    /// ended), and lists and mappings their depth, an alias adding the depth of its anchor. It
    /// stops with a <see cref="ManifestException"/> at the first event beyond
    /// <see cref="MaxNodes"/> or <see cref="MaxDepth"/>.
    /// </summary>
    public sealed class Counting : IParser
    {
        private readonly IParser _inner;
        private readonly string _fileName;
        private readonly Dictionary<AnchorName, (long Nodes, int Height)> _anchors = new();
        // Where each anchor of the document is defined, complete or still open.
        private readonly Dictionary<AnchorName, Mark> _defined = new();
        // Open lists and mappings: their anchor, the nodes and the greatest height below them so far.
        private readonly Stack<(AnchorName Anchor, long Nodes, int Height)> _open = new();
        private long _nodes;

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
            switch (_inner.Current)
            {
                case DocumentStart:
                    // Anchors belong to their document (YAML 1.2, 3.2.2.2).
                    _anchors.Clear();
                    _defined.Clear();
                    break;
                case MappingStart or SequenceStart:
                    Define(((NodeEvent)_inner.Current).Anchor, _inner.Current);
                    Add(1, 0, _inner.Current);
                    _open.Push((((NodeEvent)_inner.Current).Anchor, 1, 0));
                    if (_open.Count > MaxDepth)
                    {
                        throw TooDeep(_inner.Current);
                    }
                    break;
                case MappingEnd or SequenceEnd when _open.Count > 0:
                    var (anchor, nodes, height) = _open.Pop();
                    if (!anchor.IsEmpty)
                    {
                        _anchors[anchor] = (nodes, height + 1);
                    }
                    // The node's own 1 was counted when it started.
                    AddToParent(nodes, height + 1);
                    break;
                case Scalar scalar:
                    Define(scalar.Anchor, scalar);
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
                    Add(aliasNodes, aliasHeight, alias);
                    break;
            }
            return true;
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
            if (_open.Count == 0)
            {
                return;
            }
            var (anchor, parentNodes, parentHeight) = _open.Pop();
            _open.Push((anchor, parentNodes + nodes, Math.Max(parentHeight, height)));
        }

        private ManifestException TooDeep(ParsingEvent at) => new(new[]
        {
            $"{_fileName}:{at.Start.Line}:{at.Start.Column}: lists and mappings nest more than {MaxDepth} levels deep here{(at is AnchorAlias a ? $" (with what *{a.Value} holds)" : "")}; Slipway reads at most {MaxDepth} (a manifest needs about 7). Remove the extra nesting.",
        });
    }
}
