namespace ModelDsl.Data;

/// <summary>
/// A corpus with a canonical download address: its cache file name, URL and the SHA-256 the download must have
/// (lower-case hex), or null when the served bytes are not known in advance — then the first download's hash is
/// recorded beside the cached file and checked on every later use. <paramref name="ReferenceSha256"/> is the hash of
/// the project's reference copy (shared/data), which may differ from what the URL serves.
/// </summary>
public sealed record KnownCorpus(string FileName, Uri Url, string? Sha256, string? ReferenceSha256 = null);
