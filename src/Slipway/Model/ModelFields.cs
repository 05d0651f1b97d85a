using System.Reflection;
using System.Text.RegularExpressions;
using Slipway.Conventions;

namespace Slipway.Model;

/// <summary>What a field of the model holds, as the manifest sees it.</summary>
public enum ModelFieldShape
{
    /// <summary>Text.</summary>
    Text,

    /// <summary>A whole number.</summary>
    Integer,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>One of an enum's manifest names.</summary>
    Enum,

    /// <summary>A list (of <see cref="ModelField.ItemType"/>).</summary>
    List,

    /// <summary>A mapping of names to text.</summary>
    Map,

    /// <summary>A record of its own fields.</summary>
    Record,

    /// <summary>Exactly one of several records, keyed by each one's manifest name (<see cref="PipelineSource"/>).</summary>
    Union,
}

/// <summary>
/// One field of a model record: its C# property (or positional parameter) and its manifest name.
/// The manifest binder, the manifest and C# paths of validation problems, the schema equivalence
/// test and the README's manifest-to-C# table all read the model through this, so they agree.
/// </summary>
/// <param name="ManifestName">The manifest name, dotted when the manifest nests a flat C# property (<c>pipeline.account</c>).</param>
/// <param name="CSharpName">The C# property name.</param>
/// <param name="Type">The C# type (nullable unwrapped).</param>
/// <param name="Required">True when C# requires it (a <c>required</c> property, or a positional parameter without a default).</param>
/// <param name="Property">The property, for init-property records.</param>
/// <param name="Parameter">The positional parameter, for positional records.</param>
/// <param name="Keys">For a reference whose manifest key chooses its store: the key of each store (<see cref="ManifestKeyedAttribute"/>).</param>
public sealed record ModelField(string ManifestName, string CSharpName, Type Type, bool Required, PropertyInfo? Property, ParameterInfo? Parameter, IReadOnlyList<string>? Keys = null)
{
    /// <summary>How the manifest writes it.</summary>
    public ModelFieldShape Shape => ModelFields.ShapeOf(Type);

    /// <summary>The item type of a list.</summary>
    public Type? ItemType => ModelFields.ItemTypeOf(Type);

    /// <summary>True for a list the manifest may also write as its single item.</summary>
    public bool ItemOrList => Property?.GetCustomAttribute<ManifestItemOrListAttribute>() is not null;

    /// <summary>The C# default of the field (null when it has none, or when it depends on other fields).</summary>
    public object? Default(Type owner)
    {
        if (Parameter is not null)
        {
            return Parameter.HasDefaultValue ? Parameter.DefaultValue : null;
        }
        var instance = Activator.CreateInstance(owner);
        return Property!.GetValue(instance);
    }
}

/// <summary>Reads the model's fields (see <see cref="ModelField"/>).</summary>
public static partial class ModelFields
{
    /// <summary>The manifest fields of <paramref name="type"/>, in declaration order.</summary>
    public static IReadOnlyList<ModelField> Of(Type type)
    {
        var positional = Positional(type);
        if (positional is not null)
        {
            var parameters = positional.GetParameters();
            var stores = parameters.Select(p => p.GetCustomAttribute<ManifestKeyedAttribute>()?.StoreParameter).OfType<string>().ToHashSet();
            return parameters.Where(p => !stores.Contains(p.Name!) && p.GetCustomAttribute<ManifestIgnoreAttribute>() is null)
                .Select(p => new ModelField(ManifestNames.Of(p, Pascal(p.Name!)), Pascal(p.Name!), Unwrap(p.ParameterType), !p.HasDefaultValue, null, p,
                    p.GetCustomAttribute<ManifestKeyedAttribute>()?.Keys))
                .ToList();
        }
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetCustomAttribute<ManifestIgnoreAttribute>() is null)
            .Select(p => new ModelField(ManifestNames.Of(p, p.Name), p.Name, Unwrap(p.PropertyType),
                p.GetCustomAttributes().Any(a => a.GetType().Name == "RequiredMemberAttribute"), p, null))
            .ToList();
    }

    /// <summary>The records a union (an abstract record such as <see cref="PipelineSource"/>) may be, by manifest key.</summary>
    public static IReadOnlyList<(string Key, Type Type)> VariantsOf(Type union) =>
        union.Assembly.GetTypes().Where(t => t.IsSubclassOf(union) && !t.IsAbstract)
            .Select(t => (t.GetCustomAttribute<ManifestNameAttribute>()?.Name!, t)).Where(x => x.Item1 is not null).ToList();

    /// <summary>The constructor of a positional record (its only public constructor with parameters), or null for an init-property record.</summary>
    public static ConstructorInfo? Positional(Type type) =>
        type.GetConstructor(Type.EmptyTypes) is not null ? null
            : type.GetConstructors().Where(c => c.GetParameters().Length > 0 && c.GetParameters()[0].ParameterType != type).OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();

    /// <summary>How the manifest writes a value of <paramref name="type"/>.</summary>
    public static ModelFieldShape ShapeOf(Type type)
    {
        type = Unwrap(type);
        return type == typeof(string) ? ModelFieldShape.Text
            : type == typeof(int) ? ModelFieldShape.Integer
            : type == typeof(bool) ? ModelFieldShape.Boolean
            : type.IsEnum ? ModelFieldShape.Enum
            : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) ? ModelFieldShape.Map
            : ItemTypeOf(type) is not null ? ModelFieldShape.List
            : type.IsAbstract ? ModelFieldShape.Union
            : ModelFieldShape.Record;
    }

    /// <summary>The item type of a list type, or null.</summary>
    public static Type? ItemTypeOf(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0] : null;

    /// <summary>
    /// The C# form of a manifest-form field path under <paramref name="root"/> (for example
    /// <c>environments[1].network.testListenerPort</c> under <see cref="ServiceDefinition"/>:
    /// <c>Environments[1].Network.TestListenerPort</c>), read with the values of
    /// <paramref name="instance"/> (a union's variant, a list's items). Null when a part of the
    /// path is no field of the model.
    /// </summary>
    public static string? CSharpPath(Type root, object? instance, string manifestPath)
    {
        var tokens = PathTokens().Matches(manifestPath.StartsWith('[') || manifestPath.StartsWith('.') ? manifestPath : "." + manifestPath).Select(m => m.Value).ToList();
        var type = root;
        var value = instance;
        var output = new System.Text.StringBuilder();
        var i = 0;
        while (i < tokens.Count)
        {
            var token = tokens[i];
            switch (ShapeOf(type))
            {
                case ModelFieldShape.List when token.StartsWith('['):
                    var index = int.Parse(token[1..^1], System.Globalization.CultureInfo.InvariantCulture);
                    output.Append(token);
                    type = ItemTypeOf(Unwrap(type))!;
                    value = value is System.Collections.IList list && index < list.Count ? list[index] : null;
                    i++;
                    continue;
                case ModelFieldShape.Map:
                    output.Append("[\"").Append(token.TrimStart('.')).Append("\"]");
                    type = typeof(string);
                    value = null;
                    i++;
                    continue;
                case ModelFieldShape.Union:
                    var variant = VariantsOf(type).FirstOrDefault(v => "." + v.Key == token);
                    if (variant.Type is null)
                    {
                        return null;
                    }
                    type = variant.Type;
                    i++;
                    continue;
                case ModelFieldShape.Record:
                    var match = Of(type)
                        .SelectMany(f => (f.Keys ?? new[] { f.ManifestName }).Select(name => (Field: f, Parts: name.Split('.'))))
                        .Where(x => x.Parts.Length <= tokens.Count - i && x.Parts.Select((p, k) => "." + p == tokens[i + k]).All(b => b))
                        .OrderByDescending(x => x.Parts.Length).FirstOrDefault();
                    if (match.Field is null)
                    {
                        return null;
                    }
                    output.Append('.').Append(match.Field.CSharpName);
                    value = value is null ? null
                        : match.Field.Property is { } property ? property.GetValue(value)
                        : type.GetProperty(match.Field.CSharpName)?.GetValue(value);
                    type = match.Field.Type;
                    i += match.Parts.Length;
                    continue;
                default:
                    return null;
            }
        }
        return output.ToString().TrimStart('.');
    }

    /// <summary>
    /// Rewrites every manifest-form path under <paramref name="rootName"/> in <paramref name="text"/>
    /// (a validation problem, which names its field first and may name others) into its C# form
    /// under the same root name, for C# callers. Paths that are no field are left as written.
    /// </summary>
    public static string ToCSharp(string text, string rootName, Type root, object? instance) =>
        Regex.Replace(text, Regex.Escape(rootName) + @"((?:\.[A-Za-z0-9_-]+|\[\d+\])+)", m =>
        {
            var path = m.Groups[1].Value;
            // A sentence may end right after a path: the final dot is not part of it.
            return CSharpPath(root, instance, path) is { } csharp ? $"{rootName}{(csharp.StartsWith('[') ? "" : ".")}{csharp}" : m.Value;
        });

    internal static Type Unwrap(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    private static string Pascal(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    [GeneratedRegex(@"\.[A-Za-z0-9_-]+|\[\d+\]")]
    private static partial Regex PathTokens();
}
