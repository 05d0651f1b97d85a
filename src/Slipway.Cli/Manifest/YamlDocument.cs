using System.Globalization;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Slipway.Cli.Manifest;

/// <summary>
/// A YAML file read with YamlDotNet into JSON (for JSON Schema validation), remembering the line
/// and column of every field so errors can point at them.
/// </summary>
public sealed partial class YamlDocument
{
    private readonly Dictionary<string, (long Line, long Column)> _positions = new();
    private readonly Dictionary<string, string> _written = new();

    /// <summary>The file name shown in errors.</summary>
    public string FileName { get; }

    /// <summary>The document as JSON.</summary>
    public JToken Root { get; private set; } = JValue.CreateNull();

    private YamlDocument(string fileName)
    {
        FileName = fileName;
    }

    /// <summary>
    /// Parses <paramref name="text"/>; YAML syntax errors, and text beyond <see cref="ManifestLimits"/>
    /// (size, nodes with aliases expanded, depth), become a <see cref="ManifestException"/>.
    /// </summary>
    public static YamlDocument Parse(string fileName, string text)
    {
        ManifestLimits.CheckSize(fileName, text);
        var stream = new YamlStream();
        try
        {
            // Counted while it is read: the limits stop an alias bomb before anything is built.
            stream.Load(new ManifestLimits.Counting(new Parser(new StringReader(text)), fileName));
        }
        // YamlDotNet fails on some unclosed flow collections with InvalidOperationException.
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            var (line, column, message) = YamlErrors.Explain(text, e);
            throw new ManifestException(new[] { $"{fileName}:{line}:{column}: not valid YAML: {message}" });
        }
        if (stream.Documents.Count == 0)
        {
            throw new ManifestException(new[] { $"{fileName}:1:1: the manifest is empty. Start with `services:` (see examples/)." });
        }
        var doc = new YamlDocument(fileName);
        doc.Root = doc.Convert(stream.Documents[0].RootNode, "");
        return doc;
    }

    /// <summary>"file:line:col" of the field at <paramref name="path"/> (or its nearest parent).</summary>
    public string Locate(string path)
    {
        var p = path;
        while (true)
        {
            if (_positions.TryGetValue(p, out var pos))
            {
                return $"{FileName}:{pos.Line}:{pos.Column}";
            }
            if (p.Length == 0)
            {
                return $"{FileName}:1:1";
            }
            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            p = cut <= 0 ? "" : p[..cut];
        }
    }

    /// <summary>True when the manifest writes the field at <paramref name="path"/> (for example <c>services[0].container.memory</c>).</summary>
    public bool Contains(string path) => _positions.ContainsKey(path);

    /// <summary>
    /// The text of the plain (unquoted) scalar at <paramref name="path"/> as written in the file,
    /// when YAML reads it as something other than text (a number, a boolean, null): messages show
    /// <c>012345678901</c>, not the number 12345678901 it became.
    /// </summary>
    public string? Written(string path) => _written.GetValueOrDefault(path);

    private JToken Convert(YamlNode node, string path)
    {
        _positions.TryAdd(path, (node.Start.Line, node.Start.Column));
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JObject();
                foreach (var (keyNode, valueNode) in map.Children)
                {
                    if (keyNode is not YamlScalarNode keyScalar)
                    {
                        throw new ManifestException(new[]
                        {
                            $"{FileName}:{keyNode.Start.Line}:{keyNode.Start.Column}: a key must be a field name (text), not a {(keyNode is YamlSequenceNode ? "list" : "mapping")}. Write `name: value`.",
                        });
                    }
                    var key = keyScalar.Value ?? "";
                    var childPath = path.Length == 0 ? key : $"{path}.{key}";
                    _positions[childPath] = (keyNode.Start.Line, keyNode.Start.Column);
                    obj[key] = Convert(valueNode, childPath);
                }
                return obj;
            case YamlSequenceNode seq:
                var array = new JArray();
                var i = 0;
                foreach (var item in seq.Children)
                {
                    array.Add(Convert(item, $"{path}[{i++}]"));
                }
                return array;
            case YamlScalarNode scalar:
                var value = Scalar(scalar);
                if (value.Type != JTokenType.String)
                {
                    _written[path] = scalar.Value ?? "";
                }
                return value;
            default:
                return JValue.CreateNull();
        }
    }

    // YAML 1.2 core schema: plain (unquoted) scalars may be null, booleans or numbers; quoted ones are strings.
    private static JToken Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return new JValue(value);
        }
        if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            return JValue.CreateNull();
        }
        if (value is "true" or "True" or "TRUE")
        {
            return new JValue(true);
        }
        if (value is "false" or "False" or "FALSE")
        {
            return new JValue(false);
        }
        if (IntegerPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return new JValue(l);
        }
        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return new JValue(d);
        }
        return new JValue(value);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
