using System.Runtime.CompilerServices;
using Amazon.CDK;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// Writes cdk-nag suppressions as <c>cdk_nag.rules_to_suppress</c> metadata, the same form that
/// in-process cdk-nag reads, so the templates are checked the same way wherever cdk-nag runs.
/// Every suppression says why the rule does not apply, and is scoped with <c>applies_to</c>
/// where the rule supports it.
/// </summary>
internal static class NagSuppressions
{
    // Suppressions are kept on the C# side and written whole each time: reading nested metadata
    // back through jsii yields untyped JSON, which is easy to corrupt. They are keyed by the C#
    // proxy of the resource or stack (jsii hands out one proxy per JavaScript object), which costs
    // no round trip to the JavaScript runtime.
    private static readonly ConditionalWeakTable<object, List<Dictionary<string, object>>> Written = new();

    // The CloudFormation type of each generated L1 class (CfnRole → AWS::IAM::Role), read once
    // per class. Plain CfnResource instances can have any type and are asked each time.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> TypeNames = new();

    /// <summary>Suppresses <paramref name="rule"/> on the CloudFormation resource behind <paramref name="construct"/>.</summary>
    public static void OnResource(IConstruct construct, string rule, string reason, params string[] appliesTo)
    {
        var resource = construct as CfnResource ?? construct.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"{construct.Node.Path} has no CloudFormation resource to suppress {rule} on.");
        var rules = Record(resource, rule, reason, appliesTo);
        resource.AddMetadata("cdk_nag", new Dictionary<string, object> { ["rules_to_suppress"] = rules });
    }

    /// <summary>
    /// Suppresses <paramref name="rule"/> on every CloudFormation resource under
    /// <paramref name="construct"/> (for IAM rules, on its IAM resources only).
    /// </summary>
    public static void OnTree(IConstruct construct, string rule, string reason, params string[] appliesTo)
    {
        var iamOnly = rule.StartsWith("AwsSolutions-IAM", StringComparison.Ordinal);
        foreach (var child in construct.Node.FindAll())
        {
            if (child is CfnResource resource && (!iamOnly || ResourceType(resource).StartsWith("AWS::IAM::", StringComparison.Ordinal)))
            {
                OnResource(child, rule, reason, appliesTo);
            }
        }
    }

    /// <summary>Suppresses <paramref name="rule"/> for a whole stack (template root metadata).</summary>
    public static void OnStack(Stack stack, string rule, string reason, params string[] appliesTo)
    {
        var rules = Record(stack, rule, reason, appliesTo);
        stack.TemplateOptions.Metadata = new Dictionary<string, object>
        {
            ["cdk_nag"] = new Dictionary<string, object> { ["rules_to_suppress"] = rules },
        };
    }

    /// <summary>
    /// How cdk-nag writes a reference to <paramref name="construct"/>'s resource in finding ids:
    /// <c>&lt;LogicalId&gt;</c>, or <c>&lt;LogicalId.Attribute&gt;</c> with <paramref name="attribute"/>.
    /// (A token: it resolves to the logical id when the metadata is synthesized.)
    /// </summary>
    public static string Ref(IConstruct construct, string? attribute = null)
    {
        var resource = construct as CfnElement ?? (CfnElement)construct.Node.DefaultChild!;
        return $"<{Stack.Of(construct).GetLogicalId(resource)}{(attribute is null ? "" : "." + attribute)}>";
    }

    private static object[] Record(object target, string rule, string reason, string[] appliesTo)
    {
        var rules = Written.GetValue(target, _ => new());
        var entry = new Dictionary<string, object> { ["id"] = rule, ["reason"] = reason };
        if (appliesTo.Length > 0)
        {
            entry["applies_to"] = appliesTo;
        }
        rules.Add(entry);
        return rules.Cast<object>().ToArray();
    }

    private static string ResourceType(CfnResource resource) =>
        resource.GetType() == typeof(CfnResource)
            ? resource.CfnResourceType
            : TypeNames.GetOrAdd(resource.GetType(), _ => resource.CfnResourceType);
}
