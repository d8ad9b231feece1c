namespace ModelDsl.Data;

/// <summary>
/// Fixed-length sequences of token ids with one target each: what <see cref="Model.Fit"/> and <see cref="Model.Evaluate"/>
/// read. <see cref="WindowDataset"/> (next-token windows of a text) and <see cref="LabelledSequences"/> (a padded
/// sequence and a class label per example) implement it.
/// </summary>
public interface ISequenceData
{
    /// <summary>Number of examples.</summary>
    int Count { get; }

    /// <summary>Tokens per example.</summary>
    int SequenceLength { get; }

    /// <summary>The token ids of example <paramref name="index"/>.</summary>
    ReadOnlySpan<int> Sequence(int index);

    /// <summary>The target of example <paramref name="index"/>: a token id or a class.</summary>
    int Target(int index);

    /// <summary>Copies the examples <paramref name="indices"/> into inputs [B, T] and targets [B]; allocates nothing.</summary>
    void FillBatch(ReadOnlySpan<int> indices, Span<int> inputs, Span<int> targets);
}
