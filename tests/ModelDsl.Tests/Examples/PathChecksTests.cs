using System.Net.Sockets;
using ModelDsl.Data;
using ModelDsl.Examples;
using ModelDsl.Tests.Runtime;

namespace ModelDsl.Tests.Examples;

/// <summary>The examples' path options, checked before training: each error names the option and the user's path.</summary>
public sealed class PathChecksTests
{
    [Fact]
    public void A_writable_path_is_returned_in_full_and_the_probe_file_is_gone()
    {
        using var folder = new TemporaryDirectory();
        string path = folder.File("loss.png");
        Assert.Equal(path, PathChecks.Writable("--plot", path));
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
        File.WriteAllText(path, "an earlier plot");
        Assert.Equal(path, PathChecks.Writable("--plot", path)); // an existing file is replaced, as each epoch does
    }

    [Fact]
    public void A_folder_a_missing_folder_and_an_empty_path_are_refused_by_name()
    {
        using var folder = new TemporaryDirectory();
        var onFolder = Assert.Throws<IOException>(() => PathChecks.Writable("--save", folder.Path));
        Assert.Equal($"--save '{folder.Path}': it is a folder; give a file name.", onFolder.Message);
        string missing = folder.File("no/such/loss.png");
        var onMissing = Assert.Throws<IOException>(() => PathChecks.Writable("--plot", missing));
        Assert.Equal($"--plot '{missing}': the folder '{folder.File("no/such")}' does not exist.", onMissing.Message);
        Assert.Throws<OptionException>(() => PathChecks.Writable("--plot", ""));
    }

    [Fact]
    public void A_link_is_written_through_and_a_device_pipe_or_socket_is_refused()
    {
        if (OperatingSystem.IsWindows()) return;
        using var folder = new TemporaryDirectory();
        Directory.CreateDirectory(folder.File("real"));
        string link = folder.File("model.safetensors");
        File.CreateSymbolicLink(link, "real/model.safetensors");
        Assert.Equal(folder.File("real/model.safetensors"), PathChecks.Writable("--save", link));

        var onDevice = Assert.Throws<IOException>(() => PathChecks.Writable("--save", "/dev/null"));
        Assert.StartsWith("--save '/dev/null': it is not a regular file", onDevice.Message);
        string deviceLink = folder.File("null.png");
        File.CreateSymbolicLink(deviceLink, "/dev/null");
        Assert.Throws<IOException>(() => PathChecks.Writable("--plot", deviceLink));
        string socketPath = folder.File("socket");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        Assert.Throws<IOException>(() => PathChecks.Writable("--save", socketPath));
    }

    [Fact]
    public void A_folder_that_takes_no_new_file_is_refused_by_name()
    {
        // Root writes anywhere, so the refusal is only observable for other users.
        if (OperatingSystem.IsWindows() || Environment.UserName == "root") return;
        using var folder = new TemporaryDirectory();
        string readOnly = folder.File("ro");
        Directory.CreateDirectory(readOnly);
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            var e = Assert.Throws<IOException>(() => PathChecks.Writable("--plot", Path.Combine(readOnly, "loss.png")));
            Assert.Contains($"cannot create files in '{readOnly}'", e.Message);
        }
        finally
        {
            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public void A_corpus_must_be_a_readable_file_and_an_address_passes()
    {
        using var folder = new TemporaryDirectory();
        string missing = folder.File("absent.txt");
        Assert.Equal($"--corpus '{missing}': no such file.", Assert.Throws<IOException>(() => PathChecks.Readable("--corpus", missing)).Message);
        Assert.Contains("it is a folder", Assert.Throws<IOException>(() => PathChecks.Readable("--data", folder.Path)).Message);
        File.WriteAllText(folder.File("text.txt"), "some text");
        PathChecks.Readable("--corpus", folder.File("text.txt"));
        PathChecks.Readable("--corpus", "https://example.org/corpus.txt"); // downloaded later, by Corpus
    }
}
