using System.Runtime.CompilerServices;

namespace ModelDsl.Tests.Runtime;

/// <summary>
/// Finds the project's shared corpora (shared/data beside the checkout) when they are there:
/// $MODELDSL_DATA_DIR first, then a shared/data folder found walking up from the test binaries
/// or from this source file. Tests that use them return early without them.
/// </summary>
internal static class SharedData
{
    public static string? Find(string fileName)
    {
        foreach (string directory in Candidates())
        {
            string path = Path.Combine(directory, fileName);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static IEnumerable<string> Candidates([CallerFilePath] string sourceFile = "")
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("MODELDSL_DATA_DIR");
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) yield return fromEnvironment;
        foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var directory = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
                yield return Path.Combine(directory.FullName, "shared", "data");
        }
    }
}
