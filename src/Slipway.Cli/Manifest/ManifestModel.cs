using System.Reflection;
using Slipway.Conventions;
using Slipway.Model;

namespace Slipway.Cli.Manifest;

/// <summary>One manifest field as the model defines it (see <see cref="ManifestModel.Fields"/>).</summary>
/// <param name="Path">The manifest path with <c>[]</c> for list items, for example <c>services[].build.image</c>.</param>
/// <param name="CSharpPath">The C# property path, for example <c>ServiceDefinition.Build.BuildImage</c>; null for a mapping the manifest adds (<c>services[].pipeline</c>).</param>
/// <param name="CSharpType">The C# type, as a reader writes it (<c>string?</c>, <c>IReadOnlyList&lt;string&gt;</c>).</param>
/// <param name="Types">The JSON types the manifest may write: string, integer, boolean, array, object, map (an object of texts).</param>
/// <param name="Enum">The manifest names of an enum field (or of a record's text form), else null.</param>
/// <param name="Default">The C# default as the manifest would write it, or null when there is none (or it depends on other fields).</param>
/// <param name="Required">True when C# requires it.</param>
public sealed record ManifestField(string Path, string? CSharpPath, string CSharpType, IReadOnlyList<string> Types, IReadOnlyList<string>? Enum, object? Default, bool Required);

/// <summary>
/// Every manifest field, read from the model's records (<see cref="ModelFields"/>): what the
/// binder binds, what the schema must declare (a test compares them field for field) and what the
/// README's manifest-to-C# table lists.
/// </summary>
public static class ManifestModel
{
    /// <summary>Every field of the manifest, in record order.</summary>
    public static IReadOnlyList<ManifestField> Fields()
    {
        var fields = new List<ManifestField>();
        fields.Add(new ManifestField("services", "IReadOnlyList<ServiceDefinition>", "IReadOnlyList<ServiceDefinition>", new[] { "array" }, null, null, true));
        fields.Add(new ManifestField("services[]", "ServiceDefinition", "ServiceDefinition", new[] { "object" }, null, null, false));
        Walk(typeof(ServiceDefinition), "services[]", "ServiceDefinition", fields);
        fields.Add(new ManifestField("github", "GitHubDeploySettings", "GitHubDeploySettings?", new[] { "object" }, null, null, false));
        Walk(typeof(GitHubDeploySettings), "github", "GitHubDeploySettings", fields);
        return fields;
    }

    /// <summary>The Markdown table of manifest fields and their C# properties (the README's "Manifest fields in C#").</summary>
    public static string CSharpTable()
    {
        var rows = Fields().Where(f => f.CSharpPath is not null && f.Path.Contains('.'))
            .Select(f => $"| `{f.Path}` | `{f.CSharpPath}` | `{f.CSharpType}` |");
        return string.Join("\n", new[] { "| manifest field | C# property | C# type |", "|---|---|---|" }.Concat(rows));
    }

    private static void Walk(Type type, string path, string csharp, List<ManifestField> fields)
    {
        foreach (var field in ModelFields.Of(type))
        {
            var parts = field.ManifestName.Split('.');
            for (var i = 1; i < parts.Length; i++)
            {
                // A flat C# property the manifest nests: the mapping in between has no C# property.
                var between = $"{path}.{string.Join('.', parts.Take(i))}";
                if (!fields.Any(f => f.Path == between))
                {
                    fields.Add(new ManifestField(between, null, "", new[] { "object" }, null, null, false));
                }
            }
            if (field.Keys is { } keys)
            {
                // Each key sets the reference and chooses the store: the i-th key the store's i-th member.
                var storeName = field.Parameter!.GetCustomAttribute<ManifestKeyedAttribute>()!.StoreParameter;
                var store = ((ConstructorInfo)field.Parameter!.Member).GetParameters().First(p => p.Name == storeName).ParameterType;
                foreach (var (key, i) in keys.Select((k, i) => (k, i)))
                {
                    Add(field.Type, $"{path}.{key}", $"{csharp}.{field.CSharpName} ({storeName} = {store.Name}.{System.Enum.GetValues(store).GetValue(i)})",
                        TypeName(field), false, null, false, fields);
                }
                continue;
            }
            Add(field.Type, $"{path}.{field.ManifestName}", $"{csharp}.{field.CSharpName}", TypeName(field), field.Required,
                field.Required ? null : Manifest(field.Default(type)), field.ItemOrList, fields);
        }
    }

    private static void Add(Type type, string path, string csharp, string csharpType, bool required, object? defaultValue, bool itemOrList, List<ManifestField> fields)
    {
        var scalarForm = type.GetCustomAttribute<ManifestScalarFormAttribute>();
        switch (ModelFields.ShapeOf(type))
        {
            case ModelFieldShape.Text:
                fields.Add(new ManifestField(path, csharp, csharpType, new[] { "string" }, null, defaultValue, required));
                break;
            case ModelFieldShape.Integer:
                fields.Add(new ManifestField(path, csharp, csharpType, new[] { "integer" }, null, defaultValue, required));
                break;
            case ModelFieldShape.Boolean:
                fields.Add(new ManifestField(path, csharp, csharpType, new[] { "boolean" }, null, defaultValue, required));
                break;
            case ModelFieldShape.Enum:
                fields.Add(new ManifestField(path, csharp, csharpType, new[] { "string" }, ManifestNames.All(type), defaultValue, required));
                break;
            case ModelFieldShape.Map:
                fields.Add(new ManifestField(path, csharp, csharpType, new[] { "map" }, null, defaultValue, required));
                break;
            case ModelFieldShape.List:
                var item = ModelFields.ItemTypeOf(type)!;
                fields.Add(new ManifestField(path, csharp, csharpType, itemOrList ? new[] { "string", "array" } : new[] { "array" }, null, defaultValue, required));
                Add(item, path + "[]", csharp + "[]", Name(item), false, null, false, fields);
                break;
            case ModelFieldShape.Union:
                fields.Add(new ManifestField(path, csharp, csharpType, new[] { "object" }, null, null, required));
                foreach (var (key, variant) in ModelFields.VariantsOf(type))
                {
                    fields.Add(new ManifestField($"{path}.{key}", $"{csharp} = new {variant.Name}(...)", variant.Name, new[] { "object" }, null, null, false));
                    Walk(variant, $"{path}.{key}", variant.Name, fields);
                }
                break;
            default:
                fields.Add(new ManifestField(path, csharp, csharpType, scalarForm is null ? new[] { "object" } : new[] { "string", "object" },
                    null, null, required));
                Walk(type, path, csharp, fields);
                break;
        }
    }

    // The default as the manifest writes it: enums by manifest name; none for empty lists and maps and for records.
    private static object? Manifest(object? value) => value switch
    {
        null => null,
        Enum e => ManifestNames.Of(e),
        string or int or bool => value,
        IEnumerable<string> list => list.Any() ? list.ToList() : null,
        _ => null,
    };

    private static string TypeName(ModelField field)
    {
        var declared = field.Property?.PropertyType ?? field.Parameter!.ParameterType;
        var nullable = field.Property is not null
            ? new NullabilityInfoContext().Create(field.Property).WriteState == NullabilityState.Nullable
            : new NullabilityInfoContext().Create(field.Parameter!).WriteState == NullabilityState.Nullable;
        return Name(declared) + (nullable && !declared.IsValueType ? "?" : "");
    }

    private static string Name(Type type) =>
        Nullable.GetUnderlyingType(type) is { } inner ? Name(inner) + "?"
        : type == typeof(string) ? "string"
        : type == typeof(int) ? "int"
        : type == typeof(bool) ? "bool"
        : type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>"
        : type.Name;
}
