namespace Slipway.Tests.TestSupport;

/// <summary>Paths inside the repository, wherever the tests run from.</summary>
public static class Repository
{
    /// <summary>The repository root (the folder holding Slipway.slnx).</summary>
    public static string Root { get; } = Find();

    /// <summary>A path under the root.</summary>
    public static string PathOf(string relative) => System.IO.Path.Combine(Root, relative);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Slipway.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Slipway.slnx not found above " + AppContext.BaseDirectory);
    }
}
