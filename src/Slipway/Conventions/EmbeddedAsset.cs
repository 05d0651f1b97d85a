using System.Reflection;
using System.Security.Cryptography;

namespace Slipway.Conventions;

/// <summary>
/// Writes files embedded in the Slipway assembly (Lambda handlers) to a directory that
/// <c>Code.FromAsset</c> can stage: no Docker, no bundling, nothing read from the working directory.
/// </summary>
/// <remarks>
/// The directory is <c>{temp}/slipway-assets/{content hash}</c>: the same files always land in the
/// same place, a changed file in a new one, and concurrent synthesizing processes never see a
/// half-written directory (each writes a private copy, then renames it into place).
/// CDK hashes the asset by content, so the directory's location never reaches the template.
/// </remarks>
internal static class EmbeddedAsset
{
    /// <summary>The root under the temporary directory.</summary>
    public static string Root => Path.Combine(Path.GetTempPath(), "slipway-assets");

    /// <summary>
    /// Writes the embedded resources <c>{prefix}{file}</c> of <paramref name="assembly"/> as
    /// <c>{file}</c> and returns the directory.
    /// </summary>
    public static string Stage(Assembly assembly, string prefix, params string[] files)
    {
        var contents = files.Select(file => (File: file, Bytes: Read(assembly, prefix + file))).ToArray();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (file, bytes) in contents)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(file + "\n" + bytes.Length + "\n"));
            hash.AppendData(bytes);
        }
        var directory = Path.Combine(Root, Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant());
        bool Written() => contents.All(c => File.Exists(Path.Combine(directory, c.File))
            && File.ReadAllBytes(Path.Combine(directory, c.File)).AsSpan().SequenceEqual(c.Bytes));
        if (Written())
        {
            return directory;
        }

        var scratch = directory + ".tmp-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(scratch);
        foreach (var (file, bytes) in contents)
        {
            File.WriteAllBytes(Path.Combine(scratch, file), bytes);
        }
        try
        {
            if (Directory.Exists(directory) && !Written())
            {
                // Present but not what we expect (edited or partly deleted): replace it.
                Directory.Delete(directory, recursive: true);
            }
            if (Directory.Exists(directory))
            {
                Directory.Delete(scratch, recursive: true);
            }
            else
            {
                Directory.Move(scratch, directory);
            }
        }
        catch (IOException) when (Directory.Exists(directory))
        {
            // Another process moved its identical copy into place first.
            Directory.Delete(scratch, recursive: true);
        }
        return directory;
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded resource {resource} is missing from {assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
