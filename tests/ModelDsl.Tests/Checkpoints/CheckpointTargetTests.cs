using System.Net.Sockets;
using ModelDsl.Checkpoints;
using ModelDsl.Tests.Runtime;

namespace ModelDsl.Tests.Checkpoints;

/// <summary>
/// Where a checkpoint write lands: a symbolic link is written through (the link stays), and a folder, a device, a pipe or
/// a socket is refused rather than replaced by the rename; errors name the caller's path, not the temporary file.
/// </summary>
public sealed class CheckpointTargetTests
{
    private static readonly TensorData[] Tensors = [new TensorData("w", [2], [1f, 2f])];

    [Fact]
    public void Writing_onto_a_symbolic_link_writes_its_target_and_keeps_the_link()
    {
        if (OperatingSystem.IsWindows()) return; // creating links needs privileges there
        using var folder = new TemporaryDirectory();
        Directory.CreateDirectory(folder.File("real"));
        string target = folder.File("real/model.safetensors");
        string link = folder.File("model.safetensors");
        File.CreateSymbolicLink(link, "real/model.safetensors"); // relative, as `ln -s` makes them

        SafeTensors.Write(link, Tensors);            // the target does not exist yet
        SafeTensors.Write(link, [new TensorData("w", [2], [3f, 4f])]);

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal([3f, 4f], SafeTensors.Read(target).Tensors[0].Data);
        Assert.Equal([3f, 4f], SafeTensors.Read(link).Tensors[0].Data);
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_replaced_checkpoint_keeps_its_permissions()
    {
        if (OperatingSystem.IsWindows()) return;
        using var folder = new TemporaryDirectory();
        string path = folder.File("private.safetensors");
        SafeTensors.Write(path, Tensors);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        SafeTensors.Write(path, [new TensorData("w", [2], [3f, 4f])]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([3f, 4f], SafeTensors.Read(path).Tensors[0].Data);
    }

    [Fact]
    public void A_folder_is_refused_by_name()
    {
        using var folder = new TemporaryDirectory();
        string path = folder.File("model.safetensors");
        Directory.CreateDirectory(path);

        var e = Assert.Throws<IOException>(() => SafeTensors.Write(path, Tensors));

        Assert.Contains(path, e.Message);
        Assert.Contains("folder", e.Message);
        Assert.True(Directory.Exists(path));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp-*"));
    }

    [Fact]
    public void A_socket_or_a_link_to_a_device_is_refused_and_left_alone()
    {
        if (OperatingSystem.IsWindows()) return;
        using var folder = new TemporaryDirectory();
        string socketPath = folder.File("socket.safetensors");
        // A bound socket is a node in the folder (.NET removes it again when the socket is disposed).
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        string deviceLink = folder.File("null.safetensors");
        File.CreateSymbolicLink(deviceLink, "/dev/null");

        var onSocket = Assert.Throws<IOException>(() => SafeTensors.Write(socketPath, Tensors));
        var onDevice = Assert.Throws<IOException>(() => SafeTensors.Write(deviceLink, Tensors));

        Assert.Contains(socketPath, onSocket.Message);
        Assert.Contains("not a regular file", onSocket.Message);
        Assert.Contains(deviceLink, onDevice.Message);
        Assert.Contains("/dev/null", onDevice.Message);
        Assert.Equal(0, new FileInfo(socketPath).Length);            // still the socket, not a checkpoint
        Assert.Equal("/dev/null", new FileInfo(deviceLink).LinkTarget);
    }

    [Fact]
    public void A_missing_folder_is_named_without_the_temporary_file()
    {
        using var folder = new TemporaryDirectory();
        string path = folder.File("no/such/folder/model.safetensors");

        var e = Assert.ThrowsAny<IOException>(() => SafeTensors.Write(path, Tensors));

        Assert.Contains(path, e.Message);
        Assert.DoesNotContain(SafeTensors.TemporaryInfix, e.Message);
    }
}
