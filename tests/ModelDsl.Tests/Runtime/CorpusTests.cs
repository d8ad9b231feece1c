using System.Security.Cryptography;
using System.Text;
using ModelDsl.Data;
using Xunit;

namespace ModelDsl.Tests.Runtime;

[Collection(EnvironmentCollection.Name)]
public sealed class CorpusTests
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("you must become who you are\n");
    private static readonly string ContentHash = Convert.ToHexStringLower(SHA256.HashData(Content));

    [Fact]
    public void ExistingPathIsReturnedInFull()
    {
        using var directory = new TemporaryDirectory();
        File.WriteAllBytes(directory.File("mine.txt"), Content);
        Assert.Equal(directory.File("mine.txt"),
            Corpus.ResolveCorpusPath(directory.File("mine.txt"), "default.txt", new Uri("http://127.0.0.1:9/x"), null));
    }

    [Fact]
    public void MissingPathOrFolderIsCorpusUnavailableNamingIt()
    {
        using var directory = new TemporaryDirectory();
        string missing = directory.File("absent.txt");
        var error = Assert.Throws<CorpusUnavailableException>(() =>
            Corpus.ResolveCorpusPath(missing, "default.txt", new Uri("http://127.0.0.1:9/x"), null));
        Assert.Contains(missing, error.Message);
        Assert.IsType<FileNotFoundException>(error.InnerException);

        var folder = Assert.Throws<CorpusUnavailableException>(() =>
            Corpus.ResolveCorpusPath(directory.Path, "default.txt", new Uri("http://127.0.0.1:9/x"), null));
        Assert.Contains("folder", folder.Message);
    }

    [Fact]
    public void UrlArgumentIsDownloadedIntoTheCache()
    {
        using var cache = new TemporaryDirectory();
        using var server = LocalHttpServer.Serving(Content);
        using var _ = new EnvironmentVariableScope(DataFiles.CacheEnvironmentVariable, cache.Path);
        Uri url = server.Url("texts/input.txt");

        string path = Corpus.ResolveCorpusPath(url.ToString(), "default.txt", new Uri("http://127.0.0.1:9/x"), "ignored-for-urls");

        Assert.Equal(cache.Path, Path.GetDirectoryName(path));
        Assert.EndsWith("-input.txt", path, StringComparison.Ordinal);
        Assert.Equal(Content, File.ReadAllBytes(path));
    }

    [Fact]
    public void DataDirectoryCopyIsPreferredOverDownloading()
    {
        using var data = new TemporaryDirectory();
        using var server = LocalHttpServer.Serving(Content);
        File.WriteAllText(data.File("default.txt"), "local copy");
        using var _ = new EnvironmentVariableScope(Corpus.DataDirectoryEnvironmentVariable, data.Path);

        string path = Corpus.ResolveCorpusPath(null, "default.txt", server.Url("default.txt"), ContentHash);

        Assert.Equal(data.File("default.txt"), path);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public void WithoutArgumentOrDataDirectoryTheDefaultIsDownloadedAndVerified()
    {
        using var cache = new TemporaryDirectory();
        using var emptyData = new TemporaryDirectory();
        using var server = LocalHttpServer.Serving(Content);
        using var cacheScope = new EnvironmentVariableScope(DataFiles.CacheEnvironmentVariable, cache.Path);
        using var dataScope = new EnvironmentVariableScope(Corpus.DataDirectoryEnvironmentVariable, emptyData.Path);

        string path = Corpus.ResolveCorpusPath(null, new KnownCorpus("default.txt", server.Url("default.txt"), ContentHash));

        Assert.Equal(cache.File("default.txt"), path);
        Assert.Equal(Content, File.ReadAllBytes(path));
    }

    [Fact]
    public void DifferentUrlsWithTheSameFileNameNeverShareACacheEntry()
    {
        string a = Corpus.CacheNameFor(new Uri("https://example.org/a/input.txt"));
        string b = Corpus.CacheNameFor(new Uri("https://example.org/b/input.txt"));
        Assert.NotEqual(a, b);
        Assert.EndsWith("-input.txt", a, StringComparison.Ordinal);
        Assert.EndsWith("-corpus.txt", Corpus.CacheNameFor(new Uri("https://example.org/")), StringComparison.Ordinal);
        Assert.DoesNotContain("..", Corpus.CacheNameFor(new Uri("https://example.org/%2E%2E%2Fx")));
    }

    [Fact]
    public void The_offline_error_names_the_data_folder_variable_and_the_corpus_option()
    {
        using var cache = new TemporaryDirectory();
        using var data = new TemporaryDirectory();
        using var cacheScope = new EnvironmentVariableScope(DataFiles.CacheEnvironmentVariable, cache.Path);
        // Port 9 (discard) on the loopback refuses at once: what an offline machine sees.
        var unreachable = new Uri("http://127.0.0.1:9/nietzsche.txt");
        using (new EnvironmentVariableScope(Corpus.DataDirectoryEnvironmentVariable, null))
        {
            var error = Assert.Throws<CorpusUnavailableException>(() => Corpus.ResolveCorpusPath(null, "nietzsche.txt", unreachable, null));
            Assert.Contains("MODELDSL_DATA_DIR", error.Message);
            Assert.Contains("nietzsche.txt", error.Message);
            Assert.Contains("--corpus", error.Message);
            Assert.DoesNotContain("\n", error.Message);
        }
        using (new EnvironmentVariableScope(Corpus.DataDirectoryEnvironmentVariable, data.Path))
        {
            var error = Assert.Throws<CorpusUnavailableException>(() => Corpus.ResolveCorpusPath(null, "nietzsche.txt", unreachable, null));
            Assert.Contains(data.Path, error.Message); // set, but the file is not there: say where it looked
        }
    }
}
