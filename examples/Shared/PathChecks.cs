using ModelDsl.Checkpoints;

namespace ModelDsl.Examples;

/// <summary>
/// The path options, checked before any training starts, so a typo costs a second rather than an epoch; each error names
/// the option and the user's path, never a temporary file. A failed check is a file-system error (exit 1).
/// </summary>
internal static class PathChecks
{
    /// <summary>
    /// For <c>--save</c> and <c>--plot</c>: the full path to write, a symbolic link's final target if the path is one.
    /// Refuses a folder, a device, a pipe or a socket, a missing folder, and a folder that takes no new file (checked by
    /// creating and deleting a probe file there).
    /// </summary>
    public static string Writable(string option, string path)
    {
        string full = FullPath(option, path);
        var kind = FileKinds.Of(full);
        if (kind == FileKind.SymbolicLink)
        {
            try
            {
                full = File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
            }
            catch (IOException e)
            {
                throw Unusable(option, path, $"the link cannot be followed ({OneLine(e.Message)})");
            }
            kind = FileKinds.Of(full);
        }
        if (kind == FileKind.Directory) throw Unusable(option, path, "it is a folder; give a file name");
        if (kind == FileKind.Other) throw Unusable(option, path, "it is not a regular file (a device, a pipe or a socket), and writing would replace it");

        string folder = Path.GetDirectoryName(full) ?? full;
        if (!Directory.Exists(folder)) throw Unusable(option, path, $"the folder '{folder}' does not exist");
        string probe = Path.Combine(folder, $".{Path.GetFileName(full)}.probe-{Guid.NewGuid():N}");
        try
        {
            // The write itself goes through a temporary file in the same folder, so the folder must take a new file.
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unusable(option, path, $"cannot create files in '{folder}' ({(e is UnauthorizedAccessException ? "permission denied" : OneLine(e.Message.Replace(probe, folder, StringComparison.Ordinal)))})");
        }
        return full;
    }

    /// <summary>For <c>--corpus</c> and <c>--data</c>: a file that exists and opens for reading (http and https addresses pass).</summary>
    public static void Readable(string option, string path)
    {
        if (Uri.TryCreate(path, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)) return;
        string full = FullPath(option, path);
        if (!File.Exists(full))
            throw Unusable(option, path, Directory.Exists(full) ? "it is a folder; give the text file itself" : "no such file");
        // A pipe would block on open (and may be meant: --corpus /dev/stdin); only files are opened to test them.
        if (FileKinds.Of(full) is FileKind.Other) return;
        try
        {
            using (new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unusable(option, path, $"it cannot be read ({(e is UnauthorizedAccessException ? "permission denied" : OneLine(e.Message))})");
        }
    }

    private static string FullPath(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new OptionException($"{option} needs a path, not '{path}'.");
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Unusable(option, path, OneLine(e.Message));
        }
    }

    private static IOException Unusable(string option, string path, string reason) => new($"{option} '{path}': {reason}.");

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").TrimEnd('.');
}
