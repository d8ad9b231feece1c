using System.Runtime.InteropServices;

namespace ModelDsl.Checkpoints;

/// <summary>What a path names, without following a final symbolic link.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    SymbolicLink,
    /// <summary>A device, a pipe or a socket: something a rename must never replace.</summary>
    Other,
}

/// <summary>
/// Tells a regular file from a device, pipe or socket, which <see cref="FileSystemInfo.Attributes"/> cannot (all are
/// <c>Normal</c> on Unix). On Unix it asks lstat through the runtime's own native shim (<c>libSystem.Native</c>, whose
/// status record is the same on every platform and architecture); elsewhere, or if the shim cannot be called, it falls
/// back to the attributes (folders and links still found).
/// </summary>
internal static partial class FileKinds
{
    public static FileKind Of(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                return OfUnix(path);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        }
        var info = new FileInfo(path);
        if (info.LinkTarget != null) return FileKind.SymbolicLink;
        if (Directory.Exists(path)) return FileKind.Directory;
        return info.Exists ? FileKind.Regular : FileKind.Missing;
    }

    private static unsafe FileKind OfUnix(string path)
    {
        // The shim's FileStatus starts with int Flags, int Mode; 256 bytes are more than the whole record.
        byte* status = stackalloc byte[256];
        if (LStat(path, status) != 0) return FileKind.Missing;
        return (*(int*)(status + 4) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            _ => FileKind.Other,
        };
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStat(string path, byte* status);
}
