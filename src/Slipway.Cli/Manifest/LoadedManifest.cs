namespace Slipway.Cli.Manifest;

/// <summary>A validated manifest: its services, and what they were read from.</summary>
/// <param name="FileName">The file, as given (shown in messages).</param>
/// <param name="Text">The manifest's text.</param>
/// <param name="Services">The services, in manifest order.</param>
/// <param name="Sections">
/// Each service's part of the manifest as compact JSON, in the same order: everything a service's
/// stacks are made from, so synthesis can reuse a service's templates while its section is unchanged.
/// </param>
/// <param name="GitHub">The <c>github:</c> section (how GitHub Actions deploys the app), or null.</param>
public sealed record LoadedManifest(string FileName, string Text, IReadOnlyList<ServiceDefinition> Services, IReadOnlyList<string> Sections,
    Slipway.CrossAccount.GitHubDeploySettings? GitHub = null);
