using ModelDsl.Numerics;

namespace ModelDsl.Data;

/// <summary>
/// The order in which an epoch visits examples, cut into batches as Keras <c>fit</c> does
/// (the last batch may be partial). One permutation array is allocated up front and reshuffled
/// in place each epoch.
/// </summary>
/// <remarks>
/// With shuffling, the constructor already shuffles, so the first epoch is ready; call
/// <see cref="NewEpoch"/> before each later epoch (calling it before the first too is harmless).
/// </remarks>
public sealed class BatchOrder
{
    private readonly int[] _order;
    private readonly Rng? _rng;

    /// <param name="count">Number of examples.</param>
    /// <param name="batchSize">Examples per batch (the last one may hold fewer).</param>
    /// <param name="shuffle">Whether each epoch visits the examples in a new random order.</param>
    /// <param name="rng">The generator that shuffles; may be null without shuffling.</param>
    public BatchOrder(int count, int batchSize, bool shuffle, Rng? rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (shuffle && rng is null) throw new ArgumentNullException(nameof(rng), "Shuffling needs a generator.");
        Count = count;
        BatchSize = batchSize;
        Shuffle = shuffle;
        _rng = shuffle ? rng : null;
        _order = new int[count];
        for (int i = 0; i < count; i++) _order[i] = i;
        NewEpoch();
    }

    /// <summary>Number of examples.</summary>
    public int Count { get; }

    /// <summary>Examples per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether epochs are shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>Batches per epoch, the last partial one included.</summary>
    public int BatchCount => (Count + BatchSize - 1) / BatchSize;

    /// <summary>The example indices of batch <paramref name="batchIndex"/> of the current epoch. Allocates nothing.</summary>
    public ReadOnlySpan<int> Batch(int batchIndex)
    {
        if ((uint)batchIndex >= (uint)BatchCount)
            throw new ArgumentOutOfRangeException(nameof(batchIndex), batchIndex, $"Batch index must be in [0, {BatchCount}).");
        int start = batchIndex * BatchSize;
        return new ReadOnlySpan<int>(_order, start, Math.Min(BatchSize, Count - start));
    }

    /// <summary>Reshuffles the order for the next epoch (nothing to do without shuffling).</summary>
    public void NewEpoch()
    {
        _rng?.Shuffle(_order);
    }
}
