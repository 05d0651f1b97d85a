using Amazon.CDK;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// The account and region of the stack a construct is in, for constructs that cannot work in an
/// environment-agnostic stack (one created without <c>Env</c>): they name resources in that
/// account and region that other accounts or the pipeline refer to, and some CDK features
/// (load balancer access logs) refuse a region token with a JavaScript error.
/// </summary>
internal static class StackEnvironment
{
    /// <summary>
    /// The stack's account and region; throws a <see cref="SlipwayValidationException"/> naming
    /// <paramref name="construct"/>'s path and the missing <c>Env.Account</c>/<c>Env.Region</c>
    /// when either is not a literal.
    /// </summary>
    /// <param name="construct">The construct that needs them (its path is named).</param>
    /// <param name="kind">The construct's class, for the message (for example <c>BlueGreenService</c>).</param>
    /// <param name="why">What the construct uses them for.</param>
    public static (string Account, string Region) Require(Construct construct, string kind, string why)
    {
        var stack = Stack.Of(construct);
        var (account, region) = (stack.Account, stack.Region);
        var missing = new[] { ("Env.Account", account), ("Env.Region", region) }
            .Where(m => Token.IsUnresolved(m.Item2)).Select(m => m.Item1).ToArray();
        if (missing.Length > 0)
        {
            throw new SlipwayValidationException(new[]
            {
                $"{construct.Node.Path}: {string.Join(" and ", missing)} of the stack {stack.Node.Path} {(missing.Length == 1 ? "is" : "are")} not set: " +
                $"{kind} needs the stack's account and region ({why}). Create the stack with them, for example " +
                "new Stack(app, \"Orders\", new StackProps { Env = new Amazon.CDK.Environment { Account = \"123456789012\", Region = \"us-east-1\" } }).",
            });
        }
        return (account, region);
    }
}
