using System.Text.RegularExpressions;
using NJsonSchema;
using NJsonSchema.Validation;
using Slipway.Conventions;

namespace Slipway.Cli.Manifest;

/// <summary>The manifest's JSON Schema (schema/slipway.schema.json, embedded), and validation against it.</summary>
public static class ManifestSchema
{
    /// <summary>The schema's text.</summary>
    public static string Text { get; } = ReadText();

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromJsonAsync(Text).GetAwaiter().GetResult());

    /// <summary>The parsed schema.</summary>
    public static JsonSchema Parsed => Schema.Value;

    private static readonly Lazy<HashSet<string>> FieldPaths = new(() =>
    {
        var paths = new HashSet<string>();
        void Walk(JsonSchema schema, string path)
        {
            foreach (var (name, property) in schema.ActualSchema.Properties)
            {
                var child = path.Length == 0 ? name : $"{path}.{name}";
                paths.Add(child);
                Walk(property, child);
            }
            if (schema.ActualSchema.Item is { } item)
            {
                Walk(item, path + "[]");
            }
            foreach (var branch in schema.ActualSchema.OneOf)
            {
                Walk(branch, path);
            }
        }
        Walk(Parsed, "");
        return paths;
    });

    /// <summary>True when <paramref name="path"/> (with list indexes, for example <c>services[0].container.memory</c>) is a field of the manifest.</summary>
    public static bool IsField(string path) => FieldPaths.Value.Contains(Regex.Replace(path, @"\[\d+\]", "[]"));

    /// <summary>Structural problems of <paramref name="doc"/>: types, required and unknown fields, enumerations, patterns.</summary>
    public static IEnumerable<string> Validate(YamlDocument doc)
    {
        var errors = Schema.Value.Validate(doc.Root);
        return Flatten(errors).Select(e => Describe(doc, e)).Distinct();
    }

    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var error in errors)
        {
            if (error is ChildSchemaValidationError child && child.Errors.Count > 0)
            {
                // oneOf/anyOf: report the branch with the fewest problems, the one the author most
                // likely meant. Other wrappers (list items, properties): report everything inside.
                // A branch of another type than the value (a string branch for a mapping) is the
                // least likely meant.
                var inner = error.Kind is ValidationErrorKind.NotOneOf or ValidationErrorKind.NotAnyOf
                    ? child.Errors.Values.OrderBy(e => IsOtherType(e, error.Path) ? 1 : 0).ThenBy(e => e.Count).First()
                    : child.Errors.Values.SelectMany(e => e);
                foreach (var e in Flatten(inner))
                {
                    yield return e;
                }
                continue;
            }
            yield return error;
        }
    }

    // The branch expects another type at the oneOf's own path than the value has.
    private static bool IsOtherType(ICollection<ValidationError> branch, string? path) =>
        branch.Any(e => Normalize(e.Path) == Normalize(path) && e.Kind is ValidationErrorKind.StringExpected
            or ValidationErrorKind.ObjectExpected or ValidationErrorKind.ArrayExpected or ValidationErrorKind.IntegerExpected
            or ValidationErrorKind.NumberExpected or ValidationErrorKind.BooleanExpected or ValidationErrorKind.NullExpected);

    private static string Describe(YamlDocument doc, ValidationError e)
    {
        var path = Normalize(e.Path);
        var field = e.Property is { Length: > 0 } && e.Kind is ValidationErrorKind.NoAdditionalPropertiesAllowed or ValidationErrorKind.PropertyRequired
            ? (path.EndsWith("." + e.Property, StringComparison.Ordinal) || path == e.Property ? path : Join(path, e.Property))
            : path;
        var parent = e.Kind == ValidationErrorKind.PropertyRequired ? path.Contains('.') || path.Contains('[') ? ParentOf(field) : "" : field;
        var where = doc.Locate(e.Kind == ValidationErrorKind.PropertyRequired ? parent : field);
        var value = ValueAt(doc, field);
        var schemaPath = Regex.Replace(field, @"\[\d+\]", "[]");
        var message = e.Kind switch
        {
            // Shifting is a name or a mapping: whichever the author tried, show both forms.
            ValidationErrorKind.NotInEnumeration or ValidationErrorKind.StringExpected or ValidationErrorKind.ObjectExpected
                when schemaPath is TrafficShiftingPath or TrafficShiftingPath + ".type" =>
                $"{field}: {value} is not a traffic-shifting policy. Write {Slipway.Model.TrafficShifting.ManifestForms}.",
            ValidationErrorKind.NoAdditionalPropertiesAllowed when Validator.LooksLikeCredential(e.Property) =>
                $"{ParentOf(field)}: an unknown field (name hidden: it looks like a secret). Known fields: {string.Join(", ", e.Schema?.Properties.Keys.ToArray() ?? Array.Empty<string>())}.",
            ValidationErrorKind.NoAdditionalPropertiesAllowed =>
                $"{field}: unknown field \"{e.Property}\".{Suggest(e)}",
            ValidationErrorKind.PropertyRequired => $"{field}: is required. {RequiredHint(e)}",
            ValidationErrorKind.StringExpected => $"{field}: {value} must be text{QuoteHint(doc, field, value)}.",
            ValidationErrorKind.IntegerExpected => $"{field}: {value} must be a whole number.",
            ValidationErrorKind.BooleanExpected => $"{field}: {value} must be true or false.",
            ValidationErrorKind.ArrayExpected => $"{field}: {value} must be a list (YAML items starting with \"- \").",
            ValidationErrorKind.ObjectExpected => $"{field}: {value} must be a mapping of fields.",
            ValidationErrorKind.NotInEnumeration => $"{field}: {value} is not allowed. Use one of: {string.Join(", ", e.Schema.Enumeration.Select(x => x?.ToString()))}.",
            ValidationErrorKind.PatternMismatch => $"{field}: {value} has the wrong form. {e.Schema.Description}",
            ValidationErrorKind.StringTooLong => $"{field}: {value} is longer than {e.Schema.MaxLength} characters.",
            ValidationErrorKind.NumberTooBig => $"{field}: {value} is above the maximum {e.Schema.Maximum}.",
            ValidationErrorKind.NumberTooSmall => $"{field}: {value} is below the minimum {e.Schema.Minimum}.",
            ValidationErrorKind.TooFewItems => $"{field}: needs at least {e.Schema.MinItems} item(s). {e.Schema.Description}",
            ValidationErrorKind.TooFewProperties or ValidationErrorKind.TooManyProperties =>
                $"{field}: give exactly one of {string.Join(", ", e.Schema.Properties.Keys)}.",
            _ => $"{field}: {value} is not valid ({e.Kind}). {e.Schema?.Description}",
        };
        return $"{where}: {message}";
    }

    private static string RequiredHint(ValidationError e) =>
        e.Schema?.Properties.TryGetValue(e.Property ?? "", out var p) == true ? p.Description ?? "" : "";

    private static string Suggest(ValidationError e)
    {
        var known = e.Schema?.Properties.Keys.ToArray() ?? Array.Empty<string>();
        var nearest = known.Select(k => (k, d: Distance(k.ToLowerInvariant(), (e.Property ?? "").ToLowerInvariant())))
            .OrderBy(x => x.d).FirstOrDefault();
        var suggestion = nearest.k is not null && nearest.d <= Math.Max(2, nearest.k.Length / 3) ? $" Did you mean \"{nearest.k}\"?" : "";
        return $"{suggestion} Known fields: {string.Join(", ", known)}.";
    }

    /// <summary>Levenshtein distance, for "did you mean".</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }
        return d[a.Length, b.Length];
    }

    private const string TrafficShiftingPath = "services[].environments[].trafficShifting";

    // " (quote it: "012345678901")": a plain scalar YAML read as a number, boolean or null, as written.
    private static string QuoteHint(YamlDocument doc, string path, string shown)
    {
        var written = doc.Written(path);
        if (written is null || shown.StartsWith("(value hidden", StringComparison.Ordinal))
        {
            return written is null ? "" : " (quote it)";
        }
        var leadingZero = written.Length > 1 && written[0] == '0' && written.All(char.IsDigit);
        return $" (quote it: \"{written}\"{(leadingZero ? "; unquoted, YAML reads a number and drops the leading zero" : "")})";
    }

    // The value at path as the author wrote it; never a value that may be a secret.
    private static string ValueAt(YamlDocument doc, string path)
    {
        var token = doc.Root.SelectToken(path.Length == 0 ? "$" : "$." + path);
        if (token is Newtonsoft.Json.Linq.JValue scalar && scalar.Type != Newtonsoft.Json.Linq.JTokenType.Null)
        {
            var text = doc.Written(path) ?? scalar.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // A number or boolean where a secret's name belongs is never a name the author meant.
            var shown = HoldsASecret(path) || Validator.LooksLikeCredential(text) ? Validator.Hidden.SecretValue
                : NamesASecret(path) ? (scalar.Type == Newtonsoft.Json.Linq.JTokenType.String ? Validator.Shown(text) : Validator.Hidden.SecretNotName) : text;
            return shown switch
            {
                Validator.Hidden h => $"(value hidden: {h.Reason})",
                _ when doc.Written(path) is { } written => written,
                _ => scalar.Type == Newtonsoft.Json.Linq.JTokenType.String ? $"\"{text}\"" : text,
            };
        }
        return token switch
        {
            null => "(missing)",
            Newtonsoft.Json.Linq.JValue => "null",
            _ => token.Type == Newtonsoft.Json.Linq.JTokenType.Array ? "a list" : "a mapping",
        };
    }

    // Fields whose value names a secret: a rejected value there may be the secret itself.
    private static bool NamesASecret(string path) =>
        path[(path.LastIndexOf('.') + 1)..] is "secretsManager" or "parameter" or "parameterPath" or "jsonKey" or "tokenSecret";

    // Plain variables whose name says they hold a secret.
    private static bool HoldsASecret(string path) =>
        path.Contains(".environment.", StringComparison.Ordinal) && Slipway.Model.ContainerSettings.IsSecretVariableName(path[(path.LastIndexOf('.') + 1)..]);

    private static string Normalize(string? path) => (path ?? "").TrimStart('#', '/').Replace("/", ".", StringComparison.Ordinal).Trim('.');

    private static string Join(string path, string? property) => path.Length == 0 ? property ?? "" : $"{path}.{property}";

    private static string ParentOf(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "" : path[..cut];
    }

    private static string ReadText()
    {
        using var stream = typeof(ManifestSchema).Assembly.GetManifestResourceStream("slipway.schema.json")
            ?? throw new InvalidOperationException("slipway.schema.json is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
