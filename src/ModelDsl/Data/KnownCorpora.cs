namespace ModelDsl.Data;

/// <summary>The corpora of the examples this library follows.</summary>
/// <remarks>
/// The SHA-256 values are those of the project's reference copies (shared/data), which are
/// public-domain or openly licensed texts. The bytes served at the canonical URLs may differ from
/// those copies (line endings, a byte-order mark), in which case a download fails its check with a
/// message saying so; pass the downloaded file with <c>--corpus PATH</c> to use it anyway.
/// </remarks>
public static class KnownCorpora
{
    /// <summary>Nietzsche, <i>Beyond Good and Evil</i>: the corpus of the Keras LSTM text-generation example.</summary>
    /// <remarks>
    /// The Keras copy at this URL is a different transcription from the reference copy (Keras reports 57 distinct characters
    /// after lower-casing, the reference copy has 59), so its hash is not known in advance: the first download's SHA-256
    /// is recorded in <c>nietzsche.txt.sha256</c> beside the cached file and every later use checks the cache against it.
    /// </remarks>
    public static KnownCorpus Nietzsche { get; } = new(
        "nietzsche.txt",
        new Uri("https://s3.amazonaws.com/text-datasets/nietzsche.txt"),
        Sha256: null,
        ReferenceSha256: "dea01ca2da603db6736fd856c585d073ccf3dca68efe4a59c5e73242cdf0b028");

    /// <summary>Tiny Shakespeare: the corpus of char-rnn and nanoGPT's character model.</summary>
    public static KnownCorpus TinyShakespeare { get; } = new(
        "tinyshakespeare.txt",
        new Uri("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"),
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        ReferenceSha256: "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed");
}
