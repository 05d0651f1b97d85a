using System.Text;
using System.Text.Json.Nodes;

namespace Slipway.Tests.TestSupport;

/// <summary>Helpers to read synthesized CloudFormation JSON.</summary>
public static class Json
{
    /// <summary>Renders a value that may be an Fn::Join / Ref / GetAtt into readable text.</summary>
    public static string Render(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v => v.ToString(),
        JsonObject o when o.ContainsKey("Fn::Join") => string.Join(o["Fn::Join"]![0]!.GetValue<string>(), o["Fn::Join"]![1]!.AsArray().Select(Render)),
        JsonObject o when o.ContainsKey("Ref") => $"<{o["Ref"]}>",
        JsonObject o when o.ContainsKey("Fn::GetAtt") => $"<{o["Fn::GetAtt"]![0]}.{o["Fn::GetAtt"]![1]}>",
        _ => "<expr>",
    };

    /// <summary>Every IAM policy statement of every policy and role in a template.</summary>
    public static IEnumerable<(string LogicalId, JsonObject Statement)> Statements(JsonObject template)
    {
        foreach (var (id, resource) in template["Resources"]!.AsObject())
        {
            var props = resource!["Properties"] as JsonObject;
            var documents = new List<JsonNode?>();
            switch (resource["Type"]!.GetValue<string>())
            {
                case "AWS::IAM::Policy":
                case "AWS::IAM::ManagedPolicy":
                    documents.Add(props?["PolicyDocument"]);
                    break;
                case "AWS::IAM::Role":
                    documents.AddRange((props?["Policies"] as JsonArray ?? new JsonArray()).Select(p => p!["PolicyDocument"]));
                    break;
                case "AWS::S3::BucketPolicy":
                case "AWS::SNS::TopicPolicy":
                    documents.Add(props?["PolicyDocument"]);
                    break;
                case "AWS::KMS::Key":
                    documents.Add(props?["KeyPolicy"]);
                    break;
                case "AWS::ECR::Repository":
                    documents.Add(props?["RepositoryPolicyText"]);
                    break;
            }
            foreach (var doc in documents.Where(d => d is not null))
            {
                foreach (var statement in doc!["Statement"]!.AsArray())
                {
                    yield return (id, statement!.AsObject());
                }
            }
        }
    }

    /// <summary>A statement field (string or list) as a list of rendered strings.</summary>
    public static IReadOnlyList<string> List(JsonNode? node) => node switch
    {
        null => Array.Empty<string>(),
        JsonArray a => a.Select(Render).ToList(),
        _ => new[] { Render(node) },
    };

    /// <summary>Decodes the base64 file writes of a buildspec command list into file name → content.</summary>
    public static IReadOnlyDictionary<string, string> WrittenFiles(IEnumerable<string> commands)
    {
        var files = new Dictionary<string, string>();
        foreach (var command in commands)
        {
            var m = System.Text.RegularExpressions.Regex.Match(command, @"^echo '([A-Za-z0-9+/=]+)' \| base64 -d > (\S+)$");
            if (m.Success)
            {
                files[m.Groups[2].Value] = Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value));
            }
        }
        return files;
    }
}
