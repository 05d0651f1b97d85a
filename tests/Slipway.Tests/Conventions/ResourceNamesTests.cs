using Slipway.Conventions;

namespace Slipway.Tests.Conventions;

public sealed class ResourceNamesTests
{
    [Fact]
    public void Names_follow_service_environment_resource_suffix()
    {
        var names = new ResourceNames("orders", "prod", "dev");
        Assert.Equal("orders-prod-alb-dev", names.LoadBalancer("alb"));
        Assert.Equal("orders-pipeline-dev", names.ForEnvironment(null).Name("pipeline"));
    }

    [Fact]
    public void A_company_prefix_comes_first()
    {
        Assert.Equal("acme-orders-staging-dg-pr7", new ResourceNames("orders", "staging", "pr7", "acme").Name("dg"));
    }

    [Fact]
    public void Long_names_are_shortened_with_a_stable_hash_within_the_limit()
    {
        var names = new ResourceNames("inventory-reconciliation", "production", "feature-1234", "megacorp");
        var first = names.LoadBalancer("green");
        Assert.Equal(32, first.Length);
        Assert.Equal(first, names.LoadBalancer("green"));
        Assert.NotEqual(first, names.LoadBalancer("blue"));
        Assert.Matches("^megacorp-inventory-reconc-[0-9a-f]{6}$", first);
        Assert.True(names.Bucket("artifacts", "123456789012").Length <= 63);
    }

    [Fact]
    public void Two_resources_with_one_name_are_rejected()
    {
        var app = new Amazon.CDK.App();
        var a = new Constructs.Construct(app, "A");
        var b = new Constructs.Construct(app, "B");
        ResourceNames.Claim(a, "bucket", "orders-artifacts");
        var error = Assert.Throws<SlipwayValidationException>(() => ResourceNames.Claim(b, "bucket", "orders-artifacts"));
        Assert.Contains("\"orders-artifacts\" is already the name of the bucket at A", error.Message);
    }
}
