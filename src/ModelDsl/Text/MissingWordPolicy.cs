namespace ModelDsl.Text;

/// <summary>What <see cref="Word2Vec.LoadAligned"/> puts in the row of a vocabulary word that the vector file lacks.</summary>
public abstract record MissingWordPolicy
{
    private MissingWordPolicy() { }

    /// <summary>All zeros, as the Keras pretrained-embedding example leaves them (<c>np.zeros</c> then fill the found rows).</summary>
    public static MissingWordPolicy Zeros { get; } = new ZerosPolicy();

    /// <summary>Each missing row drawn on its own from U(−<paramref name="scale"/>, <paramref name="scale"/>); 0.05 is Keras's Embedding initializer.</summary>
    public static MissingWordPolicy RandomUniform(float scale = 0.05f)
    {
        if (!(scale > 0 && float.IsFinite(scale)))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be positive and finite.");
        return new RandomUniformPolicy(scale);
    }

    /// <summary>Every missing row the mean of all the file's vectors (not only those of the vocabulary).</summary>
    public static MissingWordPolicy MeanVector { get; } = new MeanVectorPolicy();

    /// <summary>
    /// One [UNK] vector shared by every missing word: the file's vector for <paramref name="unknownWord"/> when
    /// it has one (GloVe files have <c>&lt;unk&gt;</c>), else U(−<paramref name="scale"/>, <paramref name="scale"/>).
    /// Each missing row holds a copy, and <see cref="AlignedVectors.IdRemap"/> maps missing ids to
    /// <paramref name="unknownRow"/> so that, remapped, they train one shared row.
    /// </summary>
    public static MissingWordPolicy SharedUnknown(int unknownRow, string? unknownWord = null, float scale = 0.05f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(unknownRow);
        if (!(scale > 0 && float.IsFinite(scale)))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be positive and finite.");
        return new SharedUnknownPolicy(unknownRow, unknownWord, scale);
    }

    internal sealed record ZerosPolicy : MissingWordPolicy;

    internal sealed record RandomUniformPolicy(float Scale) : MissingWordPolicy;

    internal sealed record MeanVectorPolicy : MissingWordPolicy;

    internal sealed record SharedUnknownPolicy(int UnknownRow, string? UnknownWord, float Scale) : MissingWordPolicy;
}
