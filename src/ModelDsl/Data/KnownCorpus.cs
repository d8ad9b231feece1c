namespace ModelDsl.Data;

/// <summary>A corpus with a canonical download address: its cache file name, URL and expected SHA-256 (lower-case hex, or null to skip the check).</summary>
public sealed record KnownCorpus(string FileName, Uri Url, string? Sha256);
