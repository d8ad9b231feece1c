namespace ModelDsl.Text;

/// <summary>
/// Pretrained vectors laid out as an embedding matrix whose row <c>i</c> belongs to the word of index <c>i</c>
/// of a tokenizer; row 0 (padding) is always zero.
/// </summary>
public sealed class AlignedVectors
{
    internal AlignedVectors(float[] matrix, int rows, int dimension, int fileVectors, int found, string[] missingWords,
        int duplicates, int[]? idRemap)
    {
        Matrix = matrix;
        Rows = rows;
        Dimension = dimension;
        FileVectorCount = fileVectors;
        Found = found;
        MissingWords = missingWords;
        DuplicateWords = duplicates;
        IdRemap = idRemap;
    }

    /// <summary>Row-major <c>[Rows, Dimension]</c>, the layout of a Keras <c>Embedding</c>'s <c>embeddings</c>.</summary>
    public float[] Matrix { get; }

    public int Rows { get; }

    public int Dimension { get; }

    /// <summary>Vectors the file holds (its header's count).</summary>
    public int FileVectorCount { get; }

    /// <summary>Vocabulary words (of index in [1, Rows)) found in the file.</summary>
    public int Found { get; }

    /// <summary>Vocabulary words (of index in [1, Rows)) the file lacks, in index order; their rows follow the policy.</summary>
    public IReadOnlyList<string> MissingWords { get; }

    public int Missing => MissingWords.Count;

    /// <summary>Words the file lists more than once; the first vector is used, as gensim does.</summary>
    public int DuplicateWords { get; }

    /// <summary>
    /// With <see cref="MissingWordPolicy.SharedUnknown"/>: old id → id to feed the embedding, every missing word's id
    /// mapped to the [UNK] row; null with the other policies.
    /// </summary>
    public IReadOnlyList<int>? IdRemap { get; }

    /// <summary>The vector of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Row(int row)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
        return Matrix.AsSpan(row * Dimension, Dimension);
    }
}
