using System.Security.Cryptography;
using System.Text;

namespace ModelDsl.Data;

/// <summary>Turns a <c>--corpus</c> argument into a local file path.</summary>
public static class Corpus
{
    /// <summary>Environment variable naming a folder that already holds the default corpora (e.g. a shared data folder).</summary>
    public const string DataDirectoryEnvironmentVariable = "MODELDSL_DATA_DIR";

    /// <summary>
    /// Resolves a corpus argument:
    /// an http(s) URL is downloaded into the cache (no hash check; the cache name is the URL's last
    /// segment prefixed by a hash of the URL, so two URLs never share an entry);
    /// any other string is a local path, which must exist;
    /// null means <c>$MODELDSL_DATA_DIR/<paramref name="defaultFileName"/></c> when that file exists
    /// (used as it is, without a hash check), else the default download, verified against <paramref name="sha256"/>.
    /// </summary>
    /// <returns>The full path of a local file.</returns>
    /// <exception cref="CorpusUnavailableException">The path does not exist, or the download failed or did not verify (the
    /// message then names <c>--corpus PATH</c> and <see cref="DataDirectoryEnvironmentVariable"/>).</exception>
    public static string ResolveCorpusPath(string? corpusArgument, string defaultFileName, Uri defaultUrl, string? sha256)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultFileName);
        ArgumentNullException.ThrowIfNull(defaultUrl);

        if (corpusArgument is null)
        {
            string? dataDirectory = Environment.GetEnvironmentVariable(DataDirectoryEnvironmentVariable);
            bool hasDataDirectory = !string.IsNullOrWhiteSpace(dataDirectory);
            if (hasDataDirectory)
            {
                string candidate = Path.Combine(dataDirectory!, defaultFileName);
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
            try
            {
                return DataFiles.GetFile(defaultFileName, defaultUrl, sha256);
            }
            catch (CorpusUnavailableException e)
            {
                // Offline, the data folder is the other way in: say so, and where it was looked for.
                string looked = hasDataDirectory ? $" ({DataDirectoryEnvironmentVariable} is '{dataDirectory}', which has no {defaultFileName})" : "";
                throw new CorpusUnavailableException($"{e.Message} Or set {DataDirectoryEnvironmentVariable} to a folder that holds {defaultFileName}{looked}.", e);
            }
        }

        if (Uri.TryCreate(corpusArgument, UriKind.Absolute, out Uri? url)
            && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            return DataFiles.GetFile(CacheNameFor(url), url, sha256: null);
        }

        string path = Path.GetFullPath(corpusArgument);
        if (File.Exists(path)) return path;
        if (Directory.Exists(path))
            throw new CorpusUnavailableException($"The corpus path '{path}' is a folder; pass the text file itself with --corpus PATH.");
        throw new CorpusUnavailableException($"Corpus file not found: '{path}'.", new FileNotFoundException(null, path));
    }

    /// <summary><see cref="ResolveCorpusPath(string?, string, Uri, string?)"/> with a known corpus as the default.</summary>
    public static string ResolveCorpusPath(string? corpusArgument, KnownCorpus defaultCorpus)
    {
        ArgumentNullException.ThrowIfNull(defaultCorpus);
        return ResolveCorpusPath(corpusArgument, defaultCorpus.FileName, defaultCorpus.Url, defaultCorpus.Sha256);
    }

    /// <summary>Cache name for a user URL: <c>&lt;12 hex of SHA-256(url)&gt;-&lt;last segment&gt;</c>.</summary>
    internal static string CacheNameFor(Uri url)
    {
        string prefix = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)))[..12];
        string last = Uri.UnescapeDataString(url.Segments.Length > 0 ? url.Segments[^1] : "").Trim('/');
        var safe = new StringBuilder(last.Length);
        foreach (char c in last)
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        string name = safe.ToString().Trim('.');
        if (name.Length > 100) name = name[^100..]; // file systems limit names to 255 bytes
        return name.Length == 0 ? $"{prefix}-corpus.txt" : $"{prefix}-{name}";
    }
}
