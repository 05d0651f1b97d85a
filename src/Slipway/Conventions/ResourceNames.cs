using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// The one naming convention every Slipway construct uses for physical names:
/// <c>{company}-{service}-{environment}-{resource}-{suffix}</c>, where the company prefix and the
/// environment are optional (pipeline resources belong to no environment) and the suffix is the
/// CDK context value <c>environmentSuffix</c> (default <c>dev</c>).
/// </summary>
/// <remarks>
/// Names that exceed a service's limit are shortened to the limit with a stable 6-character hash
/// of the full name, so the same input always yields the same name and CloudFormation never
/// rejects one. Names are deterministic on purpose: the pipeline (tooling account) refers to roles,
/// buckets and log groups in other accounts by name, without cross-account tokens.
/// </remarks>
public sealed record ResourceNames(string Service, string? Environment, string Suffix, string? Company = null)
{
    /// <summary>The CDK context key that sets <see cref="Suffix"/>.</summary>
    public const string SuffixContextKey = "environmentSuffix";

    /// <summary>The suffix used when the context key is not set.</summary>
    public const string DefaultSuffix = "dev";

    /// <summary>IAM role names: 64 characters.</summary>
    public const int RoleLimit = 64;

    /// <summary>Load balancer and target group names: 32 characters.</summary>
    public const int LoadBalancerLimit = 32;

    /// <summary>S3 bucket names: 63 lowercase characters.</summary>
    public const int BucketLimit = 63;

    /// <summary>Names of most other resources (pipelines, projects, clusters): 100 characters.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Reads the suffix from the CDK context of <paramref name="scope"/>.</summary>
    public static string SuffixFrom(Construct scope) =>
        scope.Node.TryGetContext(SuffixContextKey) as string is { Length: > 0 } s ? s : DefaultSuffix;

    /// <summary>The same names for another environment of the service.</summary>
    public ResourceNames ForEnvironment(string? environment) => this with { Environment = environment };

    /// <summary>A physical name for <paramref name="resource"/>, at most <paramref name="limit"/> characters.</summary>
    public string Name(string resource, int limit = DefaultLimit)
    {
        var full = string.Join("-", new[] { Company, Service, Environment, resource, Suffix }
            .Where(p => !string.IsNullOrEmpty(p))).ToLowerInvariant();
        return Shorten(full, limit);
    }

    /// <summary>Length of the replacement hash <see cref="Versioned"/> appends (hex characters).</summary>
    public const int VersionHashLength = 6;

    /// <summary>
    /// The physical name of a resource that an ordinary edit may replace: today's readable name
    /// (<c>{company}-{service}-{environment}-{resource}-{suffix}</c>, cut to leave room when it is
    /// long) followed by a stable hash of that name and <paramref name="replacementInputs"/>, the
    /// values whose change makes CloudFormation replace the resource; at most
    /// <paramref name="limit"/> characters.
    /// </summary>
    /// <remarks>
    /// CloudFormation creates the replacement before it deletes the old resource, so both exist at
    /// once, and it refuses to replace a resource with a custom name ("If you specify a name, you
    /// cannot perform updates that require replacement of this resource"). A name that changes
    /// exactly when a replacement-causing input changes lets the replacement exist beside the old
    /// resource; the same inputs always give byte-identical names. One hash covers both the inputs
    /// and the full readable name, so two long names that share their cut prefix stay distinct.
    /// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html
    /// </remarks>
    public string Versioned(string resource, int limit, IEnumerable<string?> replacementInputs)
    {
        var full = Name(resource, int.MaxValue);
        return VersionedPrefix(resource, limit) + "-" + VersionHash(replacementInputs.Prepend(full));
    }

    /// <summary>
    /// The readable part of a <see cref="Versioned"/> name (everything before the hash), which a
    /// console search can use without knowing the inputs.
    /// </summary>
    public string VersionedPrefix(string resource, int limit)
    {
        var full = Name(resource, int.MaxValue);
        var room = limit - VersionHashLength - 1;
        return full.Length <= room ? full : full[..room].TrimEnd('-');
    }

    /// <summary>A stable <see cref="VersionHashLength"/>-character hex hash of <paramref name="inputs"/>, in order (null counts as empty).</summary>
    public static string VersionHash(IEnumerable<string?> inputs) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", inputs.Select(i => i ?? "")))))[..VersionHashLength].ToLowerInvariant();

    /// <summary>An IAM role name.</summary>
    public string Role(string resource) => Name(resource, RoleLimit);

    /// <summary>A load balancer or target group name.</summary>
    public string LoadBalancer(string resource) => Name(resource, LoadBalancerLimit);

    /// <summary>A globally unique bucket name: the account id keeps two companies' buckets apart.</summary>
    public string Bucket(string resource, string account) => Name($"{resource}-{account}", BucketLimit);

    /// <summary>A CloudWatch Logs group name.</summary>
    public string LogGroup(string resource) => "/slipway/" + Name(resource, 400);

    /// <summary>An SSM parameter path under which a runtime publishes what the pipeline needs.</summary>
    public string ParameterPath(string key) => $"/slipway/{Name("runtime", 400)}/{key}";

    /// <summary>
    /// The construct-id form of a name ("orders-prod" → "OrdersProd"): ids derived from names in
    /// the manifest (environments, stacks), which stay stable as long as those names do.
    /// </summary>
    public static string Pascal(string name) =>
        string.Concat(name.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    /// <summary>Shortens <paramref name="name"/> to <paramref name="limit"/> with a stable hash.</summary>
    public static string Shorten(string name, int limit)
    {
        if (name.Length <= limit)
        {
            return name;
        }
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..6].ToLowerInvariant();
        return name[..(limit - hash.Length - 1)].TrimEnd('-') + "-" + hash;
    }

    private static readonly ConditionalWeakTable<object, Dictionary<string, string>> Claimed = new();

    /// <summary>
    /// Records that <paramref name="scope"/> uses <paramref name="name"/> for a resource of
    /// <paramref name="kind"/>, and fails when another construct in the same app already does:
    /// two resources with one physical name would collide at deploy time.
    /// </summary>
    public static string Claim(Construct scope, string kind, string name)
    {
        var (root, path) = ConstructLocation.Of(scope);
        var claims = Claimed.GetValue(root, _ => new Dictionary<string, string>());
        var key = kind + "/" + name;
        if (claims.TryGetValue(key, out var owner) && owner != path)
        {
            throw new SlipwayValidationException(new[] { Collision(path, kind, name, owner) });
        }
        claims[key] = path;
        return name;
    }

    /// <summary>
    /// The names claimed so far in the app whose root is <paramref name="root"/>: "kind/name" →
    /// path of the claiming construct. Apps synthesized apart (one per service) are checked
    /// against each other with <see cref="CheckDistinct"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ClaimsOf(IConstruct root) =>
        Claimed.TryGetValue(root, out var claims) ? new Dictionary<string, string>(claims) : new Dictionary<string, string>();

    /// <summary>
    /// Fails, as <see cref="Claim"/> would in one app, when two sets of claims (from apps
    /// synthesized apart) name the same resource.
    /// </summary>
    public static void CheckDistinct(IEnumerable<IReadOnlyDictionary<string, string>> claimSets)
    {
        var seen = new Dictionary<string, string>();
        var problems = new List<string>();
        foreach (var claims in claimSets)
        {
            foreach (var (key, path) in claims)
            {
                if (seen.TryGetValue(key, out var owner) && owner != path)
                {
                    var slash = key.IndexOf('/');
                    problems.Add(Collision(path, key[..slash], key[(slash + 1)..], owner));
                }
                else
                {
                    seen[key] = path;
                }
            }
        }
        if (problems.Count > 0)
        {
            throw new SlipwayValidationException(problems);
        }
    }

    private static string Collision(string path, string kind, string name, string owner) =>
        $"{path}: \"{name}\" is already the name of the {kind} at {owner}. Give the services or environments distinct names, or use another environmentSuffix.";
}
