namespace Slipway.Conventions;

/// <summary>
/// The name of a record's property (or positional parameter, or enum member) in
/// <c>slipway.yaml</c> when it is not the camelCased C# name. A dotted name ("pipeline.account")
/// places a flat C# property in a nested manifest mapping. The manifest binder, the manifest paths
/// of validation messages and the schema equivalence test all read this one attribute, so the
/// manifest and the C# model cannot drift apart.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field | AttributeTargets.Class)]
public sealed class ManifestNameAttribute : Attribute
{
    /// <summary>Names the field.</summary>
    public ManifestNameAttribute(string name) => Name = name;

    /// <summary>The manifest name (dotted for a nested mapping).</summary>
    public string Name { get; }
}

/// <summary>A property of the C# model that the manifest does not set (C# callers only).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ManifestIgnoreAttribute : Attribute
{
}

/// <summary>
/// A reference whose store is chosen by which manifest key holds it: for example
/// <c>secretsManager: NAME</c> or <c>parameter: /PATH</c> both set <c>Reference</c>, and the key
/// sets the <see cref="StoreParameter"/> (a <c>SecretStore</c>), the i-th key its i-th member.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class ManifestKeyedAttribute : Attribute
{
    /// <summary>Names the store parameter and the manifest key of each store, in the enum's order.</summary>
    public ManifestKeyedAttribute(string storeParameter, params string[] keys)
    {
        StoreParameter = storeParameter;
        Keys = keys;
    }

    /// <summary>The positional parameter the key chooses.</summary>
    public string StoreParameter { get; }

    /// <summary>The manifest key of each store, in the order of the store enum's members.</summary>
    public IReadOnlyList<string> Keys { get; }
}

/// <summary>A record the manifest may also write as one text value, which sets <see cref="Parameter"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ManifestScalarFormAttribute : Attribute
{
    /// <summary>Names the parameter a plain text value sets.</summary>
    public ManifestScalarFormAttribute(string parameter) => Parameter = parameter;

    /// <summary>The positional parameter a plain text value sets.</summary>
    public string Parameter { get; }
}

/// <summary>A list the manifest may also write as its only item (<c>x</c> for <c>[x]</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ManifestItemOrListAttribute : Attribute
{
}

/// <summary>Manifest names of the model's members, read from <see cref="ManifestNameAttribute"/>.</summary>
public static class ManifestNames
{
    /// <summary>The manifest spelling of an enum member (every member of a manifest enum names itself).</summary>
    public static string Of(Enum value)
    {
        var field = value.GetType().GetField(value.ToString());
        return field?.GetCustomAttributes(typeof(ManifestNameAttribute), false).OfType<ManifestNameAttribute>().FirstOrDefault()?.Name
            ?? throw new ArgumentException($"{value.GetType().Name}.{value} has no manifest name.", nameof(value));
    }

    /// <summary>The member of <paramref name="enumType"/> the manifest spells <paramref name="name"/>, or null.</summary>
    public static object? Parse(Type enumType, string name) =>
        Enum.GetValues(enumType).Cast<Enum>().FirstOrDefault(v => Of(v) == name);

    /// <summary>Every manifest spelling of <paramref name="enumType"/>'s members, in declaration order.</summary>
    public static IReadOnlyList<string> All(Type enumType) => Enum.GetValues(enumType).Cast<Enum>().Select(Of).ToList();

    /// <summary>The manifest name of a property or positional parameter: its attribute's, else the camelCased C# name.</summary>
    public static string Of(System.Reflection.ICustomAttributeProvider member, string csharpName) =>
        member.GetCustomAttributes(typeof(ManifestNameAttribute), false).OfType<ManifestNameAttribute>().FirstOrDefault()?.Name
        ?? char.ToLowerInvariant(csharpName[0]) + csharpName[1..];
}
