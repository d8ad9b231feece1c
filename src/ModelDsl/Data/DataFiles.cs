using System.Security.Cryptography;

namespace ModelDsl.Data;

/// <summary>Download-once cache for data files, like Keras <c>keras.utils.get_file</c>.</summary>
public static class DataFiles
{
    /// <summary>Environment variable naming the cache folder.</summary>
    public const string CacheEnvironmentVariable = "MODELDSL_CACHE";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary><c>$MODELDSL_CACHE</c> when set, else <c>~/.cache/modeldsl/datasets</c>.</summary>
    public static string DefaultCacheDirectory()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(CacheEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return fromEnvironment;
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "modeldsl", "datasets");
    }

    /// <summary>
    /// The local path of <paramref name="fileName"/> in the cache folder, downloading it from
    /// <paramref name="url"/> first unless a cached copy with the expected hash is there.
    /// </summary>
    /// <remarks>
    /// With <paramref name="sha256"/> null, any cached file of that name is used as it is (as Keras does
    /// without a hash). A download goes to a temporary file in the cache folder, is hashed while it is
    /// written, flushed to disk, and only then renamed over the cache entry, so an interrupted or
    /// corrupt download never replaces a good file. Nothing but <c>cacheDirectory/fileName</c> and the
    /// temporary file is ever written or deleted.
    /// </remarks>
    /// <param name="fileName">A bare file name (no folders), the name in the cache.</param>
    /// <param name="url">An http or https address.</param>
    /// <param name="sha256">The expected SHA-256 as hex, or null to skip the check.</param>
    /// <param name="cacheDirectory">Defaults to <see cref="DefaultCacheDirectory"/>.</param>
    /// <param name="handler">HTTP handler to use (tests, proxies); not disposed.</param>
    /// <param name="timeout">Limit for the whole download, headers and body; defaults to 5 minutes.</param>
    /// <exception cref="CorpusUnavailableException">The download failed or its hash differs from <paramref name="sha256"/>.</exception>
    public static string GetFile(string fileName, Uri url, string? sha256, string? cacheDirectory = null,
        HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        ValidateFileName(fileName);
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"Only http and https downloads are supported, got '{url}'.", nameof(url));
        string? expected = NormalizeHash(sha256);

        string directory = Path.GetFullPath(cacheDirectory ?? DefaultCacheDirectory());
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusUnavailableException(
                $"Cannot create the cache folder '{directory}' ({OneLine(e.Message)}); set {CacheEnvironmentVariable} to a writable folder or pass --corpus PATH.", e);
        }

        string target = Path.Combine(directory, fileName);
        // Without a known hash, the first download's hash is recorded and the cache is checked against it later.
        string recorded = target + ".sha256";
        if (File.Exists(target))
        {
            if (expected is not null)
            {
                if (HashFile(target) == expected) return target;
            }
            else if (!File.Exists(recorded))
            {
                return target;
            }
            else
            {
                string actualCached = HashFile(target);
                string want = File.ReadAllText(recorded).Trim();
                if (actualCached == want) return target;
                throw new CorpusUnavailableException(
                    $"The cached '{target}' has SHA-256 {actualCached}, but {want} was recorded when it was downloaded: it changed since. " +
                    $"Delete it (and '{recorded}') to download it again, or pass a file with --corpus PATH.");
            }
        }

        string temporary = Path.Combine(directory, $"{fileName}.part-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
        try
        {
            TimeSpan limit = timeout ?? DefaultTimeout;
            // Task.Run keeps the blocking wait off any caller's synchronization context.
            string actual = Task.Run(() => DownloadAsync(url, temporary, handler, limit)).GetAwaiter().GetResult();
            if (expected is not null && actual != expected)
            {
                throw new CorpusUnavailableException(
                    $"SHA-256 mismatch for {url}: expected {expected}, got {actual}. The file served there may differ from the reference copy " +
                    "(line endings, a byte-order mark); if you trust it, download it yourself and pass it with --corpus PATH.");
            }
            File.Move(temporary, target, overwrite: true);
            if (expected is null) File.WriteAllText(recorded, actual + "\n");
            return target;
        }
        finally
        {
            // Only our own temporary file is ever removed.
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task<string> DownloadAsync(Uri url, string temporary, HttpMessageHandler? handler, TimeSpan limit)
    {
        using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.Timeout = Timeout.InfiniteTimeSpan; // the token below bounds headers and body together
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new CorpusUnavailableException(
                    $"Could not download {url}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}. {Advice}");
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false))
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await body.ReadAsync(buffer, deadline.Token).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), deadline.Token).ConfigureAwait(false);
                }
                file.Flush(flushToDisk: true);
            }
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested)
        {
            throw new CorpusUnavailableException($"Could not download {url}: no complete answer within {limit.TotalSeconds:0.#} s. {Advice}", e);
        }
        catch (HttpRequestException e)
        {
            throw new CorpusUnavailableException($"Could not download {url}: {OneLine(e.Message)} {Advice}", e);
        }
        catch (IOException e)
        {
            throw new CorpusUnavailableException($"Could not download {url}: {OneLine(e.Message)} {Advice}", e);
        }
    }

    private const string Advice = "Without network access, fetch the file elsewhere and pass it with --corpus PATH.";

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    internal static string HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string? NormalizeHash(string? sha256)
    {
        if (sha256 is null) return null;
        string hash = sha256.Trim().ToLowerInvariant();
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
            throw new ArgumentException($"A SHA-256 is 64 hexadecimal digits, got '{sha256}'.", nameof(sha256));
        return hash;
    }

    // A folder in the name would let a caller write outside the cache folder.
    private static void ValidateFileName(string fileName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        if (fileName != Path.GetFileName(fileName) || fileName is "." or ".." || fileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
            || fileName.Contains('/') || fileName.Contains('\\'))
            throw new ArgumentException($"'{fileName}' must be a bare file name, without folders.", nameof(fileName));
    }

    private static string OneLine(string message) =>
        message.ReplaceLineEndings(" ").Trim().TrimEnd('.') + ".";
}
