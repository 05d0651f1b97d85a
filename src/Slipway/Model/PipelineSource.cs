using Slipway.Conventions;

namespace Slipway.Model;

/// <summary>Where the pipeline gets the service's source. One of four kinds.</summary>
public abstract record PipelineSource
{
    /// <summary>The branch (or, for S3, the object key) that triggers the pipeline.</summary>
    public abstract string Describe();
}

/// <summary>
/// GitHub through a CodeStar/CodeConnections connection (recommended). The connection must be
/// created and its handshake completed in the console once; pass its ARN.
/// </summary>
/// <param name="Owner">The GitHub user or organization.</param>
/// <param name="Repository">The repository name.</param>
/// <param name="ConnectionArn">arn:aws:codestar-connections:... or arn:aws:codeconnections:...</param>
/// <param name="Branch">The branch that triggers the pipeline.</param>
[ManifestName("github")]
public sealed record GitHubConnectionSource(string Owner, string Repository, string ConnectionArn, string Branch = "main") : PipelineSource
{
    /// <inheritdoc />
    public override string Describe() => $"GitHub {Owner}/{Repository}@{Branch} (connection)";
}

/// <summary>
/// GitHub with a personal access (OAuth) token read from Secrets Manager (legacy; prefer a
/// connection). The secret holds the token as plain text; it never appears in a template.
/// </summary>
/// <param name="Owner">The GitHub user or organization.</param>
/// <param name="Repository">The repository name.</param>
/// <param name="TokenSecretName">The Secrets Manager secret holding the token.</param>
/// <param name="Branch">The branch that triggers the pipeline.</param>
[ManifestName("githubToken")]
public sealed record GitHubTokenSource(string Owner, string Repository, [ManifestName("tokenSecret")] string TokenSecretName = "github-token", string Branch = "main") : PipelineSource
{
    /// <inheritdoc />
    public override string Describe() => $"GitHub {Owner}/{Repository}@{Branch} (token secret \"{TokenSecretName}\")";
}

/// <summary>A CodeCommit repository, created by the stack or imported by name.</summary>
/// <param name="RepositoryName">The repository name.</param>
/// <param name="Create">Create the repository (true) or use an existing one (false).</param>
/// <param name="Branch">The branch that triggers the pipeline.</param>
[ManifestName("codecommit")]
public sealed record CodeCommitSource([ManifestName("repository")] string RepositoryName, bool Create = true, string Branch = "main") : PipelineSource
{
    /// <inheritdoc />
    public override string Describe() => $"CodeCommit {RepositoryName}@{Branch}{(Create ? " (created)" : "")}";
}

/// <summary>
/// A zip file in S3. A created bucket is versioned with EventBridge notifications on; an existing
/// bucket must be versioned and have EventBridge notifications enabled.
/// </summary>
/// <param name="ObjectKey">The key of the source zip, for example "orders/source.zip".</param>
/// <param name="BucketName">An existing bucket; null creates one.</param>
[ManifestName("s3")]
public sealed record S3Source(string ObjectKey, [ManifestName("bucket")] string? BucketName = null) : PipelineSource
{
    /// <inheritdoc />
    public override string Describe() => $"S3 {(BucketName ?? "(created bucket)")}/{ObjectKey}";
}
