using Amazon.CDK;
using Slipway.Conventions;
using Slipway.Access;
using Slipway.Pipeline;
using Slipway.Runtime;
using Slipway.Model;

namespace Slipway.Stacks;

/// <summary>The stacks of one service: a pipeline stack and a runtime stack per environment.</summary>
/// <param name="Pipeline">The pipeline stack (tooling account).</param>
/// <param name="Runtimes">The runtime stacks, in promotion order.</param>
public sealed record ServiceStacks(ServicePipelineStack Pipeline, IReadOnlyList<ServiceRuntimeStack> Runtimes);

/// <summary>Adds services, and the roles GitHub Actions deploys them with, to a CDK app.</summary>
public static class SlipwayStacks
{
    /// <summary>
    /// Validates <paramref name="definition"/> and adds its stacks to <paramref name="app"/>:
    /// one runtime stack per environment (deployed first: the pipeline's key, bucket and repository
    /// policies name roles that must exist) and the pipeline stack.
    /// </summary>
    public static ServiceStacks Add(App app, ServiceDefinition definition)
    {
        // Problems name C# property paths (ServiceDefinition.Build.BuildImage), the caller's terms.
        var v = definition.CSharpValidator();
        definition.Validate(v, ServiceDefinition.CSharpRoot);
        v.ThrowIfAny();
        AvailabilityZoneSettings.Check(definition, key => app.Node.TryGetContext(key), AvailabilityZoneSettings.UnderCdkCli(), v, ServiceDefinition.CSharpRoot);
        v.ThrowIfAny();

        var suffix = ResourceNames.SuffixFrom(app);
        var names = definition.Names(suffix);
        var runtimes = definition.Environments.Select(target => new ServiceRuntimeStack(app, ResourceNames.Pascal(names.ForEnvironment(target.Name).Name("runtime")),
            new ServiceRuntimeStackProps { Definition = definition, Target = target, Suffix = suffix })).ToList();
        var pipeline = new ServicePipelineStack(app, ResourceNames.Pascal(names.Name("pipeline")), new ServicePipelineStackProps { Definition = definition, Suffix = suffix });
        foreach (var runtime in runtimes)
        {
            pipeline.AddDependency(runtime, "The pipeline's key, bucket and repository policies name roles this stack creates.");
        }
        foreach (var (target, i) in definition.Environments.Select((t, i) => (t, i)).Where(e => e.t.Network.Shared))
        {
            // One VPC stack per company, account, region and environment, whichever service adds it first.
            var network = SharedNetworkStack.GetOrAdd(app, definition, target, suffix, v, $"{ServiceDefinition.CSharpRoot}.environments[{i}]");
            runtimes[i].AddDependency(network, "The runtime stack imports the shared VPC's exports.");
        }
        return new ServiceStacks(pipeline, runtimes);
    }

    /// <summary>
    /// Validates <paramref name="settings"/> against <paramref name="services"/> and adds a
    /// <see cref="GitHubDeployStack"/> to <paramref name="app"/> for every account that holds
    /// GitHub deploy roles: each account of the services' stacks that a branch or GitHub
    /// Environment deploys to, or the one hub <see cref="GitHubDeploySettings.Account"/>.
    /// </summary>
    public static IReadOnlyList<GitHubDeployStack> AddGitHubDeploy(App app, GitHubDeploySettings settings, IReadOnlyList<ServiceDefinition> services)
    {
        var v = settings.CSharpValidator();
        settings.Validate(v, GitHubDeploySettings.CSharpRoot, services);
        v.ThrowIfAny();

        var suffix = ResourceNames.SuffixFrom(app);
        var names = GitHubDeployStack.NamesFor(services, suffix);
        return settings.HostAccounts(services).Select(account => new GitHubDeployStack(app, ResourceNames.Pascal(names.Name($"github-deploy-{account}")),
            new GitHubDeployStackProps { Settings = settings, Services = services, HostAccount = account, Suffix = suffix })).ToList();
    }

}
