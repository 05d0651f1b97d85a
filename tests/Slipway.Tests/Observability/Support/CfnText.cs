using System.Text.Json.Nodes;

namespace Slipway.Tests.Observability.Support;

/// <summary>
/// Renders CloudFormation values that CDK writes as intrinsics (a dashboard body, an ARN in an
/// event pattern) back into text: <c>Fn::Join</c> parts are concatenated, pseudo parameters take
/// the stack's values, a <c>Ref</c> to a resource with a literal physical name becomes that name,
/// and anything else becomes a placeholder such as <c>${Resource}</c> or <c>${Resource.Attribute}</c>
/// (no quotes or backslashes, so the result stays valid inside a JSON string).
/// </summary>
public sealed class CfnText
{
    // Resource types whose Ref is their name, and the property holding it (a topic's or an ECS
    // service's Ref is an ARN, so they are not here).
    private static readonly Dictionary<string, string> RefIsName = new()
    {
        ["AWS::CodePipeline::Pipeline"] = "Name",
        ["AWS::CodeBuild::Project"] = "Name",
        ["AWS::ECS::Cluster"] = "ClusterName",
        ["AWS::DynamoDB::Table"] = "TableName",
        ["AWS::Lambda::Function"] = "FunctionName",
        ["AWS::IAM::Role"] = "RoleName",
        ["AWS::Logs::LogGroup"] = "LogGroupName",
        ["AWS::CloudWatch::Alarm"] = "AlarmName",
        ["AWS::CloudWatch::Dashboard"] = "DashboardName",
        ["AWS::CodeDeploy::Application"] = "ApplicationName",
        ["AWS::CodeDeploy::DeploymentGroup"] = "DeploymentGroupName",
    };

    // Attributes that are a literal property of the resource.
    private static readonly Dictionary<(string Type, string Attribute), string> AttributeIsProperty = new()
    {
        [("AWS::ECS::Service", "Name")] = "ServiceName",
        [("AWS::SNS::Topic", "TopicName")] = "TopicName",
    };

    private readonly JsonObject _resources;
    private readonly Dictionary<string, string> _pseudo;

    public CfnText(JsonObject template, string account, string region)
    {
        _resources = template["Resources"]!.AsObject();
        _pseudo = new Dictionary<string, string>
        {
            ["AWS::Partition"] = "aws",
            ["AWS::AccountId"] = account,
            ["AWS::Region"] = region,
            ["AWS::URLSuffix"] = "amazonaws.com",
        };
    }

    /// <summary>Renders <paramref name="node"/> as text.</summary>
    public string Render(JsonNode? node)
    {
        switch (node)
        {
            case JsonValue value:
                return value.ToString();
            case JsonObject o when o["Fn::Join"] is JsonArray join:
                return string.Join(join[0]!.GetValue<string>(), join[1]!.AsArray().Select(Render));
            case JsonObject o when o["Ref"] is JsonValue r:
                return Ref(r.GetValue<string>());
            case JsonObject o when o["Fn::GetAtt"] is JsonArray att:
                return GetAtt(att[0]!.GetValue<string>(), att[1]!.GetValue<string>());
            case JsonObject o when o["Fn::Select"] is JsonArray select:
                return "${Select(" + Render(select[0]) + "," + Render(select[1]) + ")}";
            case JsonObject o when o["Fn::Split"] is JsonArray split:
                return "Split(" + Render(split[0]) + "," + Render(split[1]) + ")";
            case JsonArray list:
                return string.Join(",", list.Select(Render));
            default:
                throw new NotSupportedException($"Cannot render {node?.ToJsonString() ?? "null"}.");
        }
    }

    /// <summary>
    /// A copy of <paramref name="node"/> with every intrinsic rendered to text (an event pattern
    /// with its <c>resources</c> ARN, say).
    /// </summary>
    public JsonNode? Resolve(JsonNode? node) => node switch
    {
        JsonObject o when o.Count == 1 && (o.ContainsKey("Fn::Join") || o.ContainsKey("Ref") || o.ContainsKey("Fn::GetAtt")
                                           || o.ContainsKey("Fn::Select") || o.ContainsKey("Fn::Split")) => JsonValue.Create(Render(o)),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Resolve(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Resolve).ToArray()),
        _ => node?.DeepClone(),
    };

    private string Ref(string id)
    {
        if (_pseudo.TryGetValue(id, out var pseudo))
        {
            return pseudo;
        }
        return _resources[id] is JsonObject resource && RefIsName.TryGetValue(resource["Type"]!.GetValue<string>(), out var property)
               && Literal(resource, property) is { } name
            ? name
            : "${" + id + "}";
    }

    private string GetAtt(string id, string attribute) =>
        _resources[id] is JsonObject resource && AttributeIsProperty.TryGetValue((resource["Type"]!.GetValue<string>(), attribute), out var property)
        && Literal(resource, property) is { } value
            ? value
            : "${" + id + "." + attribute + "}";

    private static string? Literal(JsonObject resource, string property) =>
        resource["Properties"]?[property] is JsonValue literal && literal.TryGetValue<string>(out var text) ? text : null;
}
