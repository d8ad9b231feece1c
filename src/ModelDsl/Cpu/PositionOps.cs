namespace ModelDsl.Cpu;

/// <summary>The per-sample position bookkeeping of attention models (each with an obvious reference: the loop itself).</summary>
public static unsafe class PositionOps
{
    /// <summary>output[b, :] = sequence[positions[b]·B + b, :] of a time-major [T·B, cols] sequence.</summary>
    public static void GatherPositions(float* sequence, int sequenceStride, int* positions, int batch, int steps, int cols, float* output, int outStride)
    {
        for (int b = 0; b < batch; b++)
        {
            int p = positions[b];
            if ((uint)p >= (uint)steps) throw new ArgumentOutOfRangeException(nameof(positions), p, $"Query position {p} of row {b} is outside 0..{steps - 1}.");
            new ReadOnlySpan<float>(sequence + ((long)p * batch + b) * sequenceStride, cols).CopyTo(new Span<float>(output + (long)b * outStride, cols));
        }
    }

    /// <summary>history[positions[b]·B + b] = tokens[b·tokenStride].</summary>
    public static void RecordTokens(int* tokens, int tokenStride, int* positions, int* history, int batch, int capacity)
    {
        for (int b = 0; b < batch; b++)
        {
            int p = positions[b];
            if ((uint)p >= (uint)capacity) throw new InvalidOperationException($"Position {p} is outside the key/value cache of {capacity} positions; reset the state.");
            history[(long)p * batch + b] = tokens[(long)b * tokenStride];
        }
    }

    public static void AdvancePositions(int* positions, int batch)
    {
        for (int b = 0; b < batch; b++) positions[b]++;
    }
}
