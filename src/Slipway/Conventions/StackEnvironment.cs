using Amazon.CDK;
using Constructs;

namespace Slipway.Conventions;

/// <summary>
/// The account and region a construct needs from its stack. An environment-agnostic stack
/// (<c>new Stack(app, id)</c> without <c>Env</c>) has only tokens for them, which the constructs
/// that build physical names or compare accounts cannot use.
/// </summary>
/// <remarks>https://docs.aws.amazon.com/cdk/v2/guide/environments.html</remarks>
internal static class StackEnvironment
{
    /// <summary>
    /// Throws a <see cref="SlipwayValidationException"/> naming <paramref name="construct"/>
    /// (<paramref name="kind"/> at its path) when its stack's account or region is not concrete.
    /// </summary>
    public static (string Account, string Region) Require(Construct construct, string kind)
    {
        var stack = Stack.Of(construct);
        // Read once: every property read is a round trip to the JavaScript runtime.
        var (account, region) = (stack.Account, stack.Region);
        var missing = new[] { Token.IsUnresolved(account) ? "account" : null, Token.IsUnresolved(region) ? "region" : null }
            .OfType<string>().ToArray();
        if (missing.Length > 0)
        {
            throw new SlipwayValidationException(new[]
            {
                $"{kind} {construct.Node.Path}: the stack {stack.Node.Path} has no {string.Join(" and no ", missing)} " +
                $"(environment-agnostic), but {kind} needs both to name and grant its resources. " +
                "Give the stack an environment: new StackProps { Env = new Amazon.CDK.Environment { Account = \"111111111111\", Region = \"us-east-1\" } }.",
            });
        }
        return (account, region);
    }
}
