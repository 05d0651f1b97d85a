using System.Reflection;
using Newtonsoft.Json.Linq;
using Slipway.Conventions;
using Slipway.Model;

namespace Slipway.Cli.Manifest;

/// <summary>
/// Binds a schema-valid manifest straight into the model's records, field by field as
/// <see cref="ModelFields"/> reads them (manifest names from <see cref="ManifestNameAttribute"/>).
/// A field the manifest leaves out keeps the record's C# default, so the manifest and the library
/// behave the same. The schema has been checked first: the binder does not validate.
/// </summary>
public static class ManifestBinder
{
    /// <summary>Binds every service of the manifest.</summary>
    public static IReadOnlyList<ServiceDefinition> Services(JToken root) =>
        (root["services"] as JArray ?? new JArray()).Select(s => (ServiceDefinition)Bind(s, typeof(ServiceDefinition))!).ToList();

    /// <summary>Binds the optional <c>github:</c> section; null when the manifest has none.</summary>
    public static GitHubDeploySettings? GitHub(JToken root) =>
        root["github"] is JObject github ? (GitHubDeploySettings)Bind(github, typeof(GitHubDeploySettings))! : null;

    /// <summary>Binds <paramref name="token"/> as a value of <paramref name="type"/>; null for a missing or null value.</summary>
    public static object? Bind(JToken? token, Type type)
    {
        if (token is null || token.Type == JTokenType.Null)
        {
            return null;
        }
        type = Nullable.GetUnderlyingType(type) ?? type;
        switch (ModelFields.ShapeOf(type))
        {
            case ModelFieldShape.Text:
                return token.Value<string>();
            case ModelFieldShape.Integer:
                return token.ToObject<int>();
            case ModelFieldShape.Boolean:
                return token.Value<bool>();
            case ModelFieldShape.Enum:
                return ManifestNames.Parse(type, token.Value<string>()!)
                    ?? throw new InvalidOperationException($"{token.Path}: \"{token}\" is no {type.Name} (the schema should have said so).");
            case ModelFieldShape.Map:
                return (token as JObject)?.Properties().ToDictionary(p => p.Name, p => p.Value.ToString());
            case ModelFieldShape.List:
                return List(token as JArray ?? new JArray(token), ModelFields.ItemTypeOf(type)!);
            case ModelFieldShape.Union:
                var (key, variant) = ModelFields.VariantsOf(type).First(v => token[v.Key] is JObject);
                return Record(token[key]!, variant);
            default:
                return Record(token, type);
        }
    }

    private static object List(JArray items, Type itemType)
    {
        var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
        foreach (var item in items)
        {
            list.Add(Bind(item, itemType));
        }
        return list;
    }

    private static object Record(JToken token, Type type)
    {
        if (type == typeof(TrafficShifting))
        {
            // The step and interval default by kind (TrafficShifting.Of), not per parameter.
            return token is JObject shifting
                ? TrafficShifting.Of((TrafficShiftingKind)Bind(shifting["type"], typeof(TrafficShiftingKind))!,
                    (int?)Bind(shifting["percentage"], typeof(int)), (int?)Bind(shifting["minutes"], typeof(int)))
                : TrafficShifting.Of((TrafficShiftingKind)Bind(token, typeof(TrafficShiftingKind))!);
        }
        var fields = ModelFields.Of(type);
        if (ModelFields.Positional(type) is { } constructor)
        {
            var scalar = type.GetCustomAttribute<ManifestScalarFormAttribute>()?.Parameter;
            var arguments = constructor.GetParameters().Select(p =>
            {
                if (token is not JObject)
                {
                    // The text form of a record sets one parameter; the others keep their defaults.
                    return string.Equals(p.Name, scalar, StringComparison.OrdinalIgnoreCase) ? Bind(token, p.ParameterType) : p.DefaultValue;
                }
                var keyed = constructor.GetParameters().Select(q => q.GetCustomAttribute<ManifestKeyedAttribute>()).FirstOrDefault(k => k?.StoreParameter == p.Name);
                if (keyed is not null)
                {
                    // The store is the one whose key the manifest writes (the first when none).
                    var index = Math.Max(0, keyed.Keys.ToList().FindIndex(k => token[k] is not null));
                    return Enum.ToObject(p.ParameterType, index);
                }
                var field = fields.First(f => f.Parameter == p);
                if (field.Keys is { } keys)
                {
                    return keys.Select(k => Bind(token[k], p.ParameterType)).FirstOrDefault(v => v is not null) ?? "";
                }
                return Bind(At(token, field.ManifestName), p.ParameterType) ?? (p.HasDefaultValue ? p.DefaultValue : null);
            }).ToArray();
            return constructor.Invoke(arguments);
        }
        var record = Activator.CreateInstance(type)!;
        foreach (var field in fields)
        {
            if (Bind(At(token, field.ManifestName), field.Property!.PropertyType) is { } value)
            {
                field.Property.SetValue(record, value);
            }
        }
        return record;
    }

    // A dotted manifest name reaches into nested mappings ("pipeline.account").
    private static JToken? At(JToken token, string manifestName)
    {
        JToken? at = token;
        foreach (var part in manifestName.Split('.'))
        {
            at = (at as JObject)?[part];
        }
        return at;
    }
}
