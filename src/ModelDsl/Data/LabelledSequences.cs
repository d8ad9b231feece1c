namespace ModelDsl.Data;

/// <summary>
/// Classification examples: sequences of token ids already padded or truncated to one length, each with a class label
/// (0/1 for a sigmoid output). Stored as one flat array.
/// </summary>
public sealed class LabelledSequences : ISequenceData
{
    private readonly int[] _tokens;
    private readonly int[] _labels;

    public LabelledSequences(IReadOnlyList<int[]> sequences, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(labels);
        if (sequences.Count != labels.Count)
            throw new ArgumentException($"There are {sequences.Count} sequences but {labels.Count} labels.", nameof(labels));
        if (sequences.Count == 0) throw new ArgumentException("No examples.", nameof(sequences));
        SequenceLength = sequences[0].Length;
        if (SequenceLength == 0) throw new ArgumentException("Sequences must not be empty.", nameof(sequences));
        _tokens = new int[sequences.Count * SequenceLength];
        for (int i = 0; i < sequences.Count; i++)
        {
            if (sequences[i].Length != SequenceLength)
                throw new ArgumentException($"Sequence {i} has {sequences[i].Length} tokens, but sequence 0 has {SequenceLength}; pad or truncate them to one length first.", nameof(sequences));
            sequences[i].CopyTo(_tokens, i * SequenceLength);
        }
        _labels = labels.ToArray();
    }

    public int Count => _labels.Length;
    public int SequenceLength { get; }
    public ReadOnlySpan<int> Sequence(int index) => _tokens.AsSpan(index * SequenceLength, SequenceLength);
    public int Target(int index) => _labels[index];

    public void FillBatch(ReadOnlySpan<int> indices, Span<int> inputs, Span<int> targets)
    {
        for (int b = 0; b < indices.Length; b++)
        {
            Sequence(indices[b]).CopyTo(inputs.Slice(b * SequenceLength, SequenceLength));
            targets[b] = _labels[indices[b]];
        }
    }
}
