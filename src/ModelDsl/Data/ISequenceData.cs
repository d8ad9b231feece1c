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

    /// <summary>
    /// For models with an output per step: inputs [B, T] and one target per position [B, T] (the next token at every
    /// step). Only data that has a next token at every position supports it.
    /// </summary>
    void FillBatchPerStep(ReadOnlySpan<int> indices, Span<int> inputs, Span<int> targets) =>
        throw new NotSupportedException(GetType().Name + " has one target per example; a model with an output per step needs next-token targets at every position (WindowDataset).");
}
