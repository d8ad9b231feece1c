namespace ModelDsl.Text;

/// <summary>The two file formats of the original word2vec tool (<c>-binary 0</c> / <c>-binary 1</c>), read by gensim as <c>binary=False/True</c>.</summary>
public enum Word2VecFormat
{
    /// <summary>Decide from the content: the first record is text when it is valid UTF-8 without control characters.</summary>
    Auto,

    /// <summary>A header line <c>count dim</c>, then one line per word: <c>word v1 … vdim</c>, separated by single spaces.</summary>
    Text,

    /// <summary>A header line <c>count dim\n</c>, then per word: its UTF-8 bytes, a space, <c>dim</c> little-endian float32, and optionally <c>\n</c>.</summary>
    Binary,
}
