using ModelDsl.Numerics;

namespace ModelDsl.Data;

/// <summary>
/// Sequence pairs encoded for an encoder–decoder model trained with teacher forcing: per pair, the source ids
/// [SourceLength], the decoder inputs [TargetLength] (<see cref="PairVocabulary.StartId"/> then the target) and the
/// decoder targets [TargetLength] (the target then <see cref="PairVocabulary.EndId"/>), all padded with
/// <see cref="PairVocabulary.PaddingId"/>. Stored as three flat row-major arrays.
/// </summary>
/// <remarks>
/// The decoder target at step t is the decoder input at step t + 1, as in Keras's <c>lstm_seq2seq</c>. Keras puts
/// start and end on both arrays and one step longer; here the input stops before the end, which it never needs to read,
/// so <see cref="TargetLength"/> is the longest target plus one.
/// </remarks>
public sealed class PairedDataset
{
    private readonly int[] _sources;
    private readonly int[] _decoderInputs;
    private readonly int[] _decoderTargets;

    private PairedDataset(IReadOnlyList<SequencePair> pairs, PairVocabulary sourceVocabulary, PairVocabulary targetVocabulary,
        int sourceLength, int targetLength, int[] sources, int[] decoderInputs, int[] decoderTargets)
    {
        Pairs = pairs;
        SourceVocabulary = sourceVocabulary;
        TargetVocabulary = targetVocabulary;
        SourceLength = sourceLength;
        TargetLength = targetLength;
        _sources = sources;
        _decoderInputs = decoderInputs;
        _decoderTargets = decoderTargets;
    }

    /// <summary>
    /// Encodes <paramref name="pairs"/>. A length left null is the longest in the data: the longest source, and the
    /// longest target plus one (for the start or end id).
    /// </summary>
    /// <exception cref="ArgumentException">There are no pairs, or a pair does not fit a length given.</exception>
    public static PairedDataset Create(SequencePairs pairs, PairVocabulary sourceVocabulary, PairVocabulary targetVocabulary,
        int? sourceLength = null, int? targetLength = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        return Create(pairs.Pairs, sourceVocabulary, targetVocabulary, sourceLength, targetLength);
    }

    /// <inheritdoc cref="Create(SequencePairs, PairVocabulary, PairVocabulary, int?, int?)"/>
    public static PairedDataset Create(IReadOnlyList<SequencePair> pairs, PairVocabulary sourceVocabulary, PairVocabulary targetVocabulary,
        int? sourceLength = null, int? targetLength = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(sourceVocabulary);
        ArgumentNullException.ThrowIfNull(targetVocabulary);
        if (pairs.Count == 0) throw new ArgumentException("No pairs to encode.", nameof(pairs));
        if (sourceLength is < 1) throw new ArgumentOutOfRangeException(nameof(sourceLength), sourceLength, "The source length must be at least 1.");
        if (targetLength is < 2) throw new ArgumentOutOfRangeException(nameof(targetLength), targetLength, "The target length must be at least 2 (a token and the start or end id).");

        int sourceColumns = sourceLength ?? pairs.Max(p => sourceVocabulary.EncodedLength(p.Source));
        int targetColumns = targetLength ?? pairs.Max(p => targetVocabulary.EncodedLength(p.Target, addEnd: true));
        int n = pairs.Count;
        var sources = new int[n * sourceColumns];
        var decoderInputs = new int[n * targetColumns];
        var decoderTargets = new int[n * targetColumns];
        for (int i = 0; i < n; i++)
        {
            try
            {
                sourceVocabulary.Encode(pairs[i].Source, sources.AsSpan(i * sourceColumns, sourceColumns), addStart: false, addEnd: false);
                targetVocabulary.Encode(pairs[i].Target, decoderInputs.AsSpan(i * targetColumns, targetColumns), addStart: true, addEnd: false);
                targetVocabulary.Encode(pairs[i].Target, decoderTargets.AsSpan(i * targetColumns, targetColumns), addStart: false, addEnd: true);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Pair {i} does not fit: {e.Message}", nameof(pairs), e);
            }
        }
        return new PairedDataset(pairs.ToArray(), sourceVocabulary, targetVocabulary, sourceColumns, targetColumns, sources, decoderInputs, decoderTargets);
    }

    /// <summary>The pairs encoded, in row order.</summary>
    public IReadOnlyList<SequencePair> Pairs { get; }

    /// <summary>Number of pairs.</summary>
    public int Count => Pairs.Count;

    /// <summary>The vocabulary of the sources (the encoder's input).</summary>
    public PairVocabulary SourceVocabulary { get; }

    /// <summary>The vocabulary of the targets (the decoder's input and output).</summary>
    public PairVocabulary TargetVocabulary { get; }

    /// <summary>Ids per source row: the encoder's time steps.</summary>
    public int SourceLength { get; }

    /// <summary>Ids per decoder-input and decoder-target row: the decoder's time steps.</summary>
    public int TargetLength { get; }

    /// <summary>All source ids, [Count, SourceLength] row-major.</summary>
    public ReadOnlySpan<int> SourceIds => _sources;

    /// <summary>All decoder inputs, [Count, TargetLength] row-major.</summary>
    public ReadOnlySpan<int> DecoderInputIds => _decoderInputs;

    /// <summary>All decoder targets, [Count, TargetLength] row-major.</summary>
    public ReadOnlySpan<int> DecoderTargetIds => _decoderTargets;

    /// <summary>The source ids of pair <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> Source(int index) => _sources.AsSpan(CheckIndex(index) * SourceLength, SourceLength);

    /// <summary>The decoder inputs of pair <paramref name="index"/>: start, then the target.</summary>
    public ReadOnlySpan<int> DecoderInput(int index) => _decoderInputs.AsSpan(CheckIndex(index) * TargetLength, TargetLength);

    /// <summary>The decoder targets of pair <paramref name="index"/>: the target, then end.</summary>
    public ReadOnlySpan<int> DecoderTarget(int index) => _decoderTargets.AsSpan(CheckIndex(index) * TargetLength, TargetLength);

    /// <summary>Copies the pairs <paramref name="indices"/> into sources [B, SourceLength], decoder inputs and targets [B, TargetLength]; allocates nothing.</summary>
    public void FillBatch(ReadOnlySpan<int> indices, Span<int> sources, Span<int> decoderInputs, Span<int> decoderTargets)
    {
        int b = indices.Length;
        if (sources.Length < b * SourceLength || decoderInputs.Length < b * TargetLength || decoderTargets.Length < b * TargetLength)
            throw new ArgumentException($"A batch of {b} needs {b * SourceLength} source ids and {b * TargetLength} decoder ids per buffer.");
        for (int i = 0; i < b; i++)
        {
            Source(indices[i]).CopyTo(sources.Slice(i * SourceLength, SourceLength));
            DecoderInput(indices[i]).CopyTo(decoderInputs.Slice(i * TargetLength, TargetLength));
            DecoderTarget(indices[i]).CopyTo(decoderTargets.Slice(i * TargetLength, TargetLength));
        }
    }

    /// <summary>
    /// A deterministic shuffled split with the same vocabularies and lengths: the pairs permuted by
    /// <see cref="Rng.Shuffle"/> seeded with <paramref name="seed"/>, the first <c>ceil(heldOutFraction · n)</c> of the
    /// permutation held out and the rest for training, each in permutation order (the rule of <see cref="LabelledText.Split"/>).
    /// </summary>
    public (PairedDataset Training, PairedDataset HeldOut) Split(double heldOutFraction, ulong seed)
    {
        if (!(heldOutFraction >= 0 && heldOutFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "The held-out fraction must be in [0, 1].");
        int heldOutCount = (int)Math.Ceiling(heldOutFraction * Count);
        var order = new int[Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        new Rng(seed).Shuffle(order);
        return (Subset(order.AsSpan(heldOutCount)), Subset(order.AsSpan(0, heldOutCount)));
    }

    private PairedDataset Subset(ReadOnlySpan<int> rows)
    {
        var pairs = new SequencePair[rows.Length];
        var sources = new int[rows.Length * SourceLength];
        var decoderInputs = new int[rows.Length * TargetLength];
        var decoderTargets = new int[rows.Length * TargetLength];
        for (int i = 0; i < rows.Length; i++) pairs[i] = Pairs[rows[i]];
        FillBatch(rows, sources, decoderInputs, decoderTargets);
        return new PairedDataset(pairs, SourceVocabulary, TargetVocabulary, SourceLength, TargetLength, sources, decoderInputs, decoderTargets);
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The pair index must be in [0, {Count}).");
        return index;
    }
}
