using IDictionary = System.Collections.IDictionary;
using IEnumerable = System.Collections.IEnumerable;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Slipway.Access;

/// <summary>
/// Names roles of other stacks in resource policies so that a deleted and recreated role is still
/// admitted: the role's account as principal, narrowed to the role by an <c>aws:PrincipalArn</c>
/// condition, never the role ARN as principal.
/// </summary>
/// <remarks>
/// IAM stores a role named as principal by the role's unique id, not by its ARN: "When you save
/// the policy, AWS transforms the ARN to a unique principal ID ... if you delete the role, then
/// the relationship is broken. The policy no longer applies, even if you recreate the role"
/// (IAM role principals: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).
/// Deleting and redeploying a runtime stack recreates its deploy and task execution roles with
/// new unique ids, and the tooling account's key, bucket and repository would silently stop
/// admitting them. <c>aws:PrincipalArn</c> is the role's ARN for every session of the role
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn),
/// whatever its unique id, and a condition may name a role that does not exist yet.
/// </remarks>
public static class RolePrincipals
{
    /// <summary>
    /// The principal for the roles <paramref name="roleArns"/> (ARNs written out, not tokens): their accounts,
    /// with <c>ArnEquals aws:PrincipalArn</c> on the roles.
    /// </summary>
    public static IPrincipal[] Of(IEnumerable<string> roleArns)
    {
        var arns = roleArns.Distinct(StringComparer.Ordinal).ToArray();
        return AccountsOf(arns).Select(a => (IPrincipal)new AccountPrincipal(a)).ToArray();
    }

    /// <summary>The condition that narrows the account principals of <see cref="Of"/> to the roles.</summary>
    public static Dictionary<string, object> Condition(IEnumerable<string> roleArns)
    {
        var arns = roleArns.Distinct(StringComparer.Ordinal).ToArray();
        return new Dictionary<string, object>
        {
            ["ArnEquals"] = new Dictionary<string, object> { [PrincipalArnKey] = arns.Length == 1 ? arns[0] : arns },
        };
    }

    /// <summary>One role: its account as principal, with the condition on its ARN (trust policies).</summary>
    public static IPrincipal OfRole(string roleArn) =>
        new AccountPrincipal(AccountsOf(new[] { roleArn }).Single()).WithConditions(Condition(new[] { roleArn }));

    /// <summary>
    /// Rewrites, when the app is synthesized, every role ARN written out as a principal in the
    /// bucket, key and repository policies under <paramref name="scope"/> (CDK's grants to an
    /// imported role of another account put it there, e.g. the CodeDeploy action's
    /// <c>bucket.grantRead(role)</c>) into <see cref="Of"/> and <see cref="Condition"/> (once, however often it is called).
    /// </summary>
    public static void ApplyTo(Construct scope)
    {
        if (scope.Node.TryFindChild(RewriteAspect.MarkerId) is not null)
        {
            return;
        }
        // One marker construct, one call back from the JavaScript runtime (as DestroyOnDelete).
        Aspects.Of(new Construct(scope, RewriteAspect.MarkerId)).Add(new RewriteAspect(scope));
    }

    private const string PrincipalArnKey = "aws:PrincipalArn";

    private static readonly Regex RoleArn = new(@"^arn:(?<partition>aws[a-z-]*):iam::(?<account>\d{12}):role/.+$", RegexOptions.CultureInvariant);

    private static IEnumerable<string> AccountsOf(IEnumerable<string> roleArns) =>
        roleArns.Select(arn => RoleArn.Match(arn) is { Success: true } m
                ? m.Groups["account"].Value
                : throw new ArgumentException($"{arn} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>).", nameof(roleArns)))
            .Distinct(StringComparer.Ordinal);

    private sealed class RewriteAspect : DeputyBase, IAspect
    {
        public const string MarkerId = "RolePrincipals";

        private readonly Construct _scope;

        public RewriteAspect(Construct scope) => _scope = scope;

        public void Visit(IConstruct node)
        {
            foreach (var child in _scope.Node.FindAll())
            {
                switch (child)
                {
                    case CfnBucketPolicy bucketPolicy:
                        Rewrite(bucketPolicy, "PolicyDocument", bucketPolicy.PolicyDocument);
                        break;
                    case CfnKey key:
                        Rewrite(key, "KeyPolicy", key.KeyPolicy);
                        break;
                    case CfnRepository repository when repository.RepositoryPolicyText is not null:
                        Rewrite(repository, "RepositoryPolicyText", repository.RepositoryPolicyText);
                        break;
                }
            }
        }

        private static void Rewrite(CfnResource resource, string property, object? document)
        {
            if (document is null || Plain(Stack.Of(resource).Resolve(document)) is not Dictionary<string, object?> policy
                || policy.GetValueOrDefault("Statement") is not List<object?> statements)
            {
                return;
            }
            var rewritten = new List<object?>();
            var inPlace = new Dictionary<int, object?>();
            var split = false;
            foreach (var (s, i) in statements.Select((s, i) => (s, i)))
            {
                var parts = s is Dictionary<string, object?> statement ? Split(statement) : null;
                if (parts is null)
                {
                    rewritten.Add(s);
                    continue;
                }
                rewritten.AddRange(parts);
                if (parts.Count == 1)
                {
                    inPlace[i] = parts[0];
                }
                else
                {
                    split = true;
                }
            }
            if (split)
            {
                // A statement that also names other principals becomes two: the list is rewritten whole.
                resource.AddPropertyOverride($"{property}.Statement", Jsii(rewritten)!);
                return;
            }
            // Statement by statement, so that other aspects' overrides of the same policy
            // (KeyGrantPolicy's NotAction and its appended CreateGrant statement) stay in place
            // whichever aspect runs first.
            foreach (var (i, statement) in inPlace)
            {
                resource.AddPropertyOverride($"{property}.Statement.{i}", Jsii(statement)!);
            }
        }

        // A statement whose AWS principals include role ARNs written out: those roles move to a
        // statement of their own with the account principals and the condition; the other
        // principals (if any) keep the original statement. Null when there is nothing to rewrite.
        private static List<object?>? Split(Dictionary<string, object?> statement)
        {
            if (statement.GetValueOrDefault("Principal") is not Dictionary<string, object?> principal
                || principal.GetValueOrDefault("AWS") is not { } aws)
            {
                return null;
            }
            var entries = aws is List<object?> list ? list : new List<object?> { aws };
            var roles = entries.OfType<string>().Where(e => RoleArn.IsMatch(e)).Distinct(StringComparer.Ordinal).ToList();
            if (roles.Count == 0)
            {
                return null;
            }
            var others = entries.Where(e => e is not string text || !roles.Contains(text)).ToList();
            var conditions = statement.GetValueOrDefault("Condition") as Dictionary<string, object?> ?? new Dictionary<string, object?>();
            var arnEquals = conditions.GetValueOrDefault("ArnEquals") as Dictionary<string, object?> ?? new Dictionary<string, object?>();
            if (arnEquals.ContainsKey(PrincipalArnKey))
            {
                // Already narrowed by the ARN: leave it as written rather than guess at the intent.
                return null;
            }

            var result = new List<object?>();
            if (others.Count > 0 || principal.Count > 1)
            {
                var rest = new Dictionary<string, object?>(statement);
                var restPrincipal = new Dictionary<string, object?>(principal);
                if (others.Count > 0)
                {
                    restPrincipal["AWS"] = others.Count == 1 ? others[0] : others;
                }
                else
                {
                    restPrincipal.Remove("AWS");
                }
                rest["Principal"] = restPrincipal;
                result.Add(rest);
            }

            var roleStatement = new Dictionary<string, object?>(statement);
            if (result.Count > 0 && statement.GetValueOrDefault("Sid") is string sid)
            {
                roleStatement["Sid"] = sid + "Roles";
            }
            var accounts = roles.Select(r => RoleArn.Match(r)).Select(m => $"arn:{m.Groups["partition"].Value}:iam::{m.Groups["account"].Value}:root")
                .Distinct(StringComparer.Ordinal).ToList();
            roleStatement["Principal"] = new Dictionary<string, object?> { ["AWS"] = accounts.Count == 1 ? accounts[0] : accounts };
            var newConditions = new Dictionary<string, object?>(conditions)
            {
                ["ArnEquals"] = new Dictionary<string, object?>(arnEquals) { [PrincipalArnKey] = roles.Count == 1 ? roles[0] : roles },
            };
            roleStatement["Condition"] = newConditions;
            result.Add(roleStatement);
            return result;
        }

        // Arrays and string-keyed dictionaries: the shapes the jsii runtime passes to JavaScript.
        private static object? Jsii(object? value) => value switch
        {
            Dictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => Jsii(kv.Value)!, StringComparer.Ordinal),
            List<object?> l => l.Select(Jsii).ToArray(),
            _ => value,
        };

        // A resolved value as plain dictionaries, lists and scalars, whatever the jsii runtime hands back.
        private static object? Plain(object? value) => value switch
        {
            null => null,
            string or bool => value,
            Newtonsoft.Json.Linq.JValue v => v.Value,
            Newtonsoft.Json.Linq.JObject o => o.Properties().ToDictionary(p => p.Name, p => Plain(p.Value), StringComparer.Ordinal),
            Newtonsoft.Json.Linq.JArray a => a.Select(Plain).ToList(),
            IDictionary d => d.Keys.Cast<object>().ToDictionary(k => (string)k, k => Plain(d[k]), StringComparer.Ordinal),
            IEnumerable e => e.Cast<object?>().Select(Plain).ToList(),
            _ => value,
        };
    }
}
