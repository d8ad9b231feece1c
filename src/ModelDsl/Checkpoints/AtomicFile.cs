using System.Security.Cryptography;

namespace ModelDsl.Checkpoints;

/// <summary>
/// Crash-safe replacement of a file: the content is written to <c>path.tmp-&lt;random&gt;</c> in the same folder, flushed
/// to disk, then renamed over the path, so a crash leaves either the old file or the new one, never a torn one.
/// Checkpoints (<see cref="SafeTensors.Write"/>) and the loss plot of ModelDsl.Visualization are written this way.
/// </summary>
/// <remarks>
/// A symbolic link is written through (its final target is replaced, the link stays); a folder, a device, a pipe or a
/// socket is refused with an <see cref="IOException"/> (a rename would replace it). Errors name the caller's path, never
/// the temporary file. A replaced file keeps its permissions. A process killed mid-write leaves its temporary file behind; the next write to the same path
/// deletes such leftovers (those no live writer holds locked).
/// </remarks>
public static class AtomicFile
{
    /// <summary>What a temporary file's name adds to the file's name, before 12 random hex digits.</summary>
    public const string TemporaryInfix = ".tmp-";

    /// <summary>Replaces <paramref name="path"/> with what <paramref name="writeContent"/> writes to the stream it is given.</summary>
    /// <param name="what">What the file is, for error messages ("checkpoint", "plot").</param>
    /// <exception cref="IOException">The path is a folder or not a regular file, its folder is missing or not writable, or the write failed.</exception>
    public static void Write(string path, string what, Action<Stream> writeContent)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(what);
        ArgumentNullException.ThrowIfNull(writeContent);
        string fullPath = WritableTarget(path, what);
        DeleteStaleTemporaries(fullPath);
        string temporary = $"{fullPath}{TemporaryInfix}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        FileStream? file = null;
        try
        {
            try
            {
                // FileShare.None locks the file (flock on Unix) for as long as it is open, which is how
                // DeleteStaleTemporaries tells a live writer's file from a dead one's.
                file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The caller knows the file's name, not the temporary file's.
                string reason = e is DirectoryNotFoundException ? $"the folder '{Path.GetDirectoryName(fullPath)}' does not exist"
                    : e is UnauthorizedAccessException ? $"no permission to create files in '{Path.GetDirectoryName(fullPath)}'"
                    : e.Message.Replace(temporary, fullPath, StringComparison.Ordinal);
                throw new IOException($"Cannot write the {what} '{path}': {reason}.", e);
            }
            writeContent(file);
            file.Flush(flushToDisk: true);
            // The new file takes the old one's permissions (a checkpoint kept 0600 stays 0600), not the umask's.
            if (!OperatingSystem.IsWindows() && File.Exists(fullPath))
                File.SetUnixFileMode(file.SafeFileHandle, File.GetUnixFileMode(fullPath));
            if (OperatingSystem.IsWindows())
            {
                // Windows cannot rename a file opened without FileShare.Delete.
                file.Dispose();
                File.Move(temporary, fullPath, overwrite: true);
            }
            else
            {
                // Keep the lock through the rename, so no other writer's cleanup can delete the finished file first.
                File.Move(temporary, fullPath, overwrite: true);
                file.Dispose();
            }
        }
        catch
        {
            file?.Dispose();
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// The file a write of <paramref name="path"/> replaces: the path itself, or a symbolic link's final target (the link
    /// stays a link). A folder, a device, a pipe or a socket is refused: the rename would replace it.
    /// </summary>
    private static string WritableTarget(string path, string what)
    {
        string fullPath = Path.GetFullPath(path);
        var kind = FileKinds.Of(fullPath);
        if (kind == FileKind.SymbolicLink)
        {
            fullPath = File.ResolveLinkTarget(fullPath, returnFinalTarget: true)?.FullName ?? fullPath;
            kind = FileKinds.Of(fullPath);
        }
        string named = fullPath == Path.GetFullPath(path) ? $"'{path}'" : $"'{path}' (a link to '{fullPath}')";
        return kind switch
        {
            FileKind.Directory => throw new IOException($"Cannot write the {what} {named}: it is a folder. Give a file name."),
            FileKind.Other => throw new IOException($"Cannot write the {what} {named}: it is not a regular file (a device, a pipe or a socket), and saving would replace it."),
            _ => fullPath,
        };
    }

    /// <summary>
    /// Deletes the temporary files that writes of <paramref name="fullPath"/> left behind when their process died:
    /// those named <c>path.tmp-&lt;12 hex&gt;</c> that can be locked, i.e. that no writer has open.
    /// </summary>
    private static void DeleteStaleTemporaries(string fullPath)
    {
        string? folder = Path.GetDirectoryName(fullPath);
        string prefix = Path.GetFileName(fullPath) + TemporaryInfix;
        if (folder is null || !Directory.Exists(folder)) return;
        foreach (string candidate in Directory.EnumerateFiles(folder, prefix + "*"))
        {
            string suffix = Path.GetFileName(candidate)[prefix.Length..];
            if (suffix.Length != 12 || !suffix.All(char.IsAsciiHexDigitLower)) continue;
            try
            {
                using (new FileStream(candidate, FileMode.Open, FileAccess.Read, FileShare.None)) { }
                File.Delete(candidate);
            }
            catch (IOException) { } // still being written (locked), or already gone
            catch (UnauthorizedAccessException) { }
        }
    }
}
