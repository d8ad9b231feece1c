namespace ModelDsl.Cpu;

/// <summary>
/// Global max and average pooling over the steps of a time-major sequence, with an optional padding mask: the CPU kernels of
/// <see cref="Ir.GlobalPoolOp"/> and <see cref="Ir.GlobalPoolBackwardOp"/>, whose definition (and float64 reference) is
/// the interpreter's. Element (t, b, c) of x is at x + t·stepStride + b·rowStride + c; mask id (t, b) at
/// mask + t·maskStepStride + b·maskStride. Work is B·T·W, small beside the layers around it: plain loops, rows split
/// across the worker pool.
/// </summary>
public static unsafe class SequencePooling
{
    /// <param name="kind">0 max, 1 average (<see cref="Ir.PoolKind"/>).</param>
    /// <param name="argMax">Max while training: receives the chosen step per element (−1 for a row with no counted step).</param>
    public static void Forward(float* x, int rowStride, int stepStride, int steps, int rows, int cols, float* output, int outputStride,
        int kind, int* mask, int maskStride, int maskStepStride, float* argMax, int argMaxStride)
    {
        for (int b = 0; b < rows; b++)
        {
            float* o = output + (long)b * outputStride;
            float* arg = argMax == null ? null : argMax + (long)b * argMaxStride;
            int counted = 0;
            for (int t = 0; t < steps; t++)
            {
                if (mask != null && mask[(long)t * maskStepStride + (long)b * maskStride] == 0) continue;
                float* row = x + (long)t * stepStride + (long)b * rowStride;
                if (counted == 0)
                {
                    new System.Span<float>(row, cols).CopyTo(new System.Span<float>(o, cols));
                    if (arg != null) new System.Span<float>(arg, cols).Fill(t);
                }
                else if (kind == 1)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(new System.ReadOnlySpan<float>(o, cols), new System.ReadOnlySpan<float>(row, cols), new System.Span<float>(o, cols));
                }
                else
                {
                    for (int c = 0; c < cols; c++)
                    {
                        float v = row[c], best = o[c];
                        if (v > best || (float.IsNaN(v) && !float.IsNaN(best)))
                        {
                            o[c] = v;
                            if (arg != null) arg[c] = t;
                        }
                    }
                }
                counted++;
            }

            if (counted == 0)
            {
                new System.Span<float>(o, cols).Clear();
                if (arg != null) new System.Span<float>(arg, cols).Fill(-1f);
            }
            else if (kind == 1)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(new System.ReadOnlySpan<float>(o, cols), 1f / counted, new System.Span<float>(o, cols));
            }
        }
    }

    /// <summary>dx (+)= dOut at the chosen step (max) or dOut/n at each counted step (average); every other step 0 (or nothing).</summary>
    public static void Backward(float* dOutput, int dOutputStride, float* dx, int rowStride, int stepStride, int steps, int rows, int cols,
        int kind, int* mask, int maskStride, int maskStepStride, float* argMax, int argMaxStride, bool accumulate)
    {
        for (int b = 0; b < rows; b++)
        {
            float* d = dOutput + (long)b * dOutputStride;
            int counted = 0;
            if (kind == 1)
                for (int t = 0; t < steps; t++)
                    if (mask == null || mask[(long)t * maskStepStride + (long)b * maskStride] != 0) counted++;
            float scale = counted == 0 ? 0f : 1f / counted;
            for (int t = 0; t < steps; t++)
            {
                float* row = dx + (long)t * stepStride + (long)b * rowStride;
                if (kind == 1)
                {
                    bool counts = mask == null || mask[(long)t * maskStepStride + (long)b * maskStride] != 0;
                    for (int c = 0; c < cols; c++)
                    {
                        float share = counts ? d[c] * scale : 0f;
                        row[c] = accumulate ? row[c] + share : share;
                    }
                }
                else
                {
                    float* arg = argMax + (long)b * argMaxStride;
                    for (int c = 0; c < cols; c++)
                    {
                        float share = arg[c] == t ? d[c] : 0f;
                        row[c] = accumulate ? row[c] + share : share;
                    }
                }
            }
        }
    }
}
