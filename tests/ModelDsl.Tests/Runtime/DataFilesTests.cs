using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ModelDsl.Data;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class DataFilesTests
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("supposing that truth is a woman--what then?\n");
    private static readonly string ContentHash = Convert.ToHexStringLower(SHA256.HashData(Content));
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void DownloadsVerifiesAndCaches()
    {
        using var directory = new TemporaryDirectory();
        using var server = LocalHttpServer.Serving(Content);

        string path = DataFiles.GetFile("corpus.txt", server.Url("corpus.txt"), ContentHash, directory.Path, timeout: Timeout);

        Assert.Equal(directory.File("corpus.txt"), path);
        Assert.Equal(Content, File.ReadAllBytes(path));
        Assert.Equal(1, server.RequestCount);
        Assert.Equal(["corpus.txt"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));

        // Second call: the cached copy verifies, so nothing is fetched.
        Assert.Equal(path, DataFiles.GetFile("corpus.txt", server.Url("corpus.txt"), ContentHash.ToUpperInvariant(), directory.Path, timeout: Timeout));
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public void WithoutHashAnyCachedCopyIsUsed()
    {
        using var directory = new TemporaryDirectory();
        using var server = LocalHttpServer.Serving(Content);
        File.WriteAllText(directory.File("corpus.txt"), "a copy the user put there");

        string path = DataFiles.GetFile("corpus.txt", server.Url("corpus.txt"), sha256: null, directory.Path, timeout: Timeout);

        Assert.Equal("a copy the user put there", File.ReadAllText(path));
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public void WithoutHashTheFirstDownloadsHashIsRecordedAndCheckedLater()
    {
        using var directory = new TemporaryDirectory();
        using var server = LocalHttpServer.Serving(Content);
        string path = DataFiles.GetFile("corpus.txt", server.Url("corpus.txt"), sha256: null, directory.Path, timeout: Timeout);
        Assert.Equal(DataFiles.HashFile(path), File.ReadAllText(path + ".sha256").Trim());

        // A second use reads the cache (no request) after checking it against the recorded hash.
        Assert.Equal(path, DataFiles.GetFile("corpus.txt", server.Url("corpus.txt"), sha256: null, directory.Path, timeout: Timeout));
        Assert.Equal(1, server.RequestCount);

        // A cache that changed since the download is refused, and left alone.
        File.AppendAllText(path, "tampered");
        var e = Assert.Throws<CorpusUnavailableException>(() => DataFiles.GetFile("corpus.txt", server.Url("corpus.txt"), null, directory.Path, timeout: Timeout));
        Assert.Contains("changed since", e.Message);
        Assert.EndsWith("tampered", File.ReadAllText(path));
    }

    [Fact]
    public void StaleCachedCopyIsReplacedByAVerifiedDownload()
    {
        using var directory = new TemporaryDirectory();
        using var server = LocalHttpServer.Serving(Content);
        File.WriteAllText(directory.File("corpus.txt"), "stale");

        string path = DataFiles.GetFile("corpus.txt", server.Url("corpus.txt"), ContentHash, directory.Path, timeout: Timeout);

        Assert.Equal(Content, File.ReadAllBytes(path));
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public void HashMismatchSaysExpectedActualUrlAndWhyAndKeepsFilesIntact()
    {
        using var directory = new TemporaryDirectory();
        using var server = LocalHttpServer.Serving(Content);
        File.WriteAllText(directory.File("corpus.txt"), "previous copy");
        File.WriteAllText(directory.File("other.txt"), "unrelated");
        string expected = new('a', 64);
        Uri url = server.Url("corpus.txt");

        var error = Assert.Throws<CorpusUnavailableException>(() =>
            DataFiles.GetFile("corpus.txt", url, expected, directory.Path, timeout: Timeout));

        Assert.Contains(expected, error.Message);
        Assert.Contains(ContentHash, error.Message);
        Assert.Contains(url.ToString(), error.Message);
        Assert.Contains("line endings", error.Message);
        Assert.Contains("--corpus PATH", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal("previous copy", File.ReadAllText(directory.File("corpus.txt")));
        Assert.Equal("unrelated", File.ReadAllText(directory.File("other.txt")));
        Assert.Equal(2, Directory.GetFiles(directory.Path).Length); // no temporary file left behind
    }

    [Fact]
    public void HttpErrorIsAOneLineCorpusUnavailable()
    {
        using var directory = new TemporaryDirectory();
        using var server = new LocalHttpServer(_ => LocalHttpServer.Response.NotFound());

        var error = Assert.Throws<CorpusUnavailableException>(() =>
            DataFiles.GetFile("corpus.txt", server.Url("missing.txt"), ContentHash, directory.Path, timeout: Timeout));

        Assert.Contains("404", error.Message);
        Assert.Contains("--corpus PATH", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void RefusedConnectionIsACorpusUnavailable()
    {
        using var directory = new TemporaryDirectory();
        // A port that was free a moment ago and has no listener now.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var error = Assert.Throws<CorpusUnavailableException>(() =>
            DataFiles.GetFile("corpus.txt", new Uri($"http://127.0.0.1:{port}/corpus.txt"), null, directory.Path, timeout: Timeout));

        Assert.Contains("--corpus PATH", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void StalledServerTimesOut()
    {
        using var directory = new TemporaryDirectory();
        using var server = new LocalHttpServer(_ => LocalHttpServer.Response.Stalled());
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<CorpusUnavailableException>(() =>
            DataFiles.GetFile("corpus.txt", server.Url("corpus.txt"), null, directory.Path, timeout: TimeSpan.FromMilliseconds(300)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("--corpus PATH", error.Message);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("sub/corpus.txt")]
    [InlineData("..")]
    [InlineData("")]
    public void FileNameMustBeBare(string fileName)
    {
        using var directory = new TemporaryDirectory();
        Assert.ThrowsAny<ArgumentException>(() =>
            DataFiles.GetFile(fileName, new Uri("http://127.0.0.1:9/x"), null, directory.Path, timeout: Timeout));
    }

    [Fact]
    public void OnlyHttpUrlsAndWellFormedHashesAreAccepted()
    {
        using var directory = new TemporaryDirectory();
        Assert.Throws<ArgumentException>(() => DataFiles.GetFile("a.txt", new Uri("file:///etc/hostname"), null, directory.Path));
        Assert.Throws<ArgumentException>(() => DataFiles.GetFile("a.txt", new Uri("http://127.0.0.1:9/a"), "not-a-hash", directory.Path));
    }
}
