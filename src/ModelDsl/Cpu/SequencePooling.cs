using System.Runtime.Intrinsics;
using ModelDsl.Ir;

namespace ModelDsl.Cpu;

/// <summary>
/// Global max and average pooling over the steps of a sequence (Keras GlobalMaxPooling1D / GlobalAveragePooling1D), forward and
/// backward. Step t of batch row b is the row x + t·stepStride + b·xStride (stepStride may be negative); with a mask, step t of
/// row b counts only where mask[t·maskStepStride + b·maskStride] ≠ 0 (id 0 is padding). Single-threaded like the row kernels,
/// vectorised along the width with the widest accelerated vector and a scalar loop for the rest. Each lane reduces its steps in
/// step order, so every instruction set gives the same floats. <see cref="ForwardReference"/> and <see cref="BackwardReference"/>
/// are the plain float64 definitions (IrInterpreter's GlobalPool), kept as the test oracle.
/// </summary>
public static unsafe class SequencePooling
{
    /// <summary>
    /// output[b, :] = the max (the first step attaining it, a NaN winning) or the mean of the counted steps of row b; 0 when no
    /// step counts. For a max pool, <paramref name="argMax"/> (if not null) receives the chosen step as a float, −1 when none.
    /// </summary>
    public static void Forward(PoolKind kind, float* x, int xStride, int stepStride, int* mask, int maskStride, int maskStepStride,
        float* output, int outputStride, float* argMax, int argMaxStride, int batch, int steps, int width)
    {
        for (int b = 0; b < batch; b++)
        {
            float* xb = x + (long)b * xStride;
            int* mb = mask == null ? null : mask + (long)b * maskStride;
            float* ob = output + (long)b * outputStride;
            float* ab = argMax == null ? null : argMax + (long)b * argMaxStride;
            int counted = 0, first = -1;
            for (int t = 0; t < steps; t++)
            {
                if (!Counts(mb, maskStepStride, t)) continue;
                counted++;
                if (first < 0) first = t;
            }
            if (counted == 0)
            {
                new Span<float>(ob, width).Clear();
                if (ab != null && kind == PoolKind.Max) new Span<float>(ab, width).Fill(-1f);
                continue;
            }
            if (kind == PoolKind.Max) MaxRow(xb, stepStride, mb, maskStepStride, first, steps, ob, ab, width);
            else AverageRow(xb, stepStride, mb, maskStepStride, steps, 1f / counted, ob, width);
        }
    }

    /// <summary>
    /// dx[t, b, :] (+)= the share of dOutput[b, :] of step t: dOut/n for each of the n counted steps of an average pool, dOut at
    /// the saved step of a max pool (<paramref name="argMax"/>), else 0. Without <paramref name="accumulate"/> every step's row is
    /// assigned, zeros included.
    /// </summary>
    public static void Backward(PoolKind kind, float* argMax, int argMaxStride, int* mask, int maskStride, int maskStepStride,
        float* dOutput, int dOutputStride, float* dx, int dxStride, int dStepStride, int batch, int steps, int width, bool accumulate)
    {
        for (int b = 0; b < batch; b++)
        {
            int* mb = mask == null ? null : mask + (long)b * maskStride;
            float* db = dOutput + (long)b * dOutputStride;
            float* dxb = dx + (long)b * dxStride;
            if (kind == PoolKind.Max)
            {
                float* ab = argMax + (long)b * argMaxStride;
                for (int t = 0; t < steps; t++) MaxShareRow(ab, t, db, dxb + (long)t * dStepStride, width, accumulate);
                continue;
            }
            int counted = 0;
            for (int t = 0; t < steps; t++)
                if (Counts(mb, maskStepStride, t)) counted++;
            float scale = counted == 0 ? 0f : 1f / counted;
            for (int t = 0; t < steps; t++)
            {
                float* row = dxb + (long)t * dStepStride;
                if (Counts(mb, maskStepStride, t)) AverageShareRow(db, scale, row, width, accumulate);
                else if (!accumulate) new Span<float>(row, width).Clear();
            }
        }
    }

    private static bool Counts(int* maskRow, int maskStepStride, int t) => maskRow == null || maskRow[(long)t * maskStepStride] != 0;

    /// <summary>The running max of each lane from step <paramref name="first"/> (the first counted one) on.</summary>
    private static void MaxRow(float* xb, int stepStride, int* mb, int maskStepStride, int first, int steps, float* ob, float* ab, int width)
    {
        float* x0 = xb + (long)first * stepStride;
        int c = 0;
        // The JIT keeps one of the three vector loops (the widest accelerated); the scalar loop finishes the row.
        if (Vector512.IsHardwareAccelerated)
        {
            for (; c <= width - 16; c += 16)
            {
                var best = Vector512.Load(x0 + c);
                var arg = Vector512.Create((float)first);
                for (int t = first + 1; t < steps; t++)
                {
                    if (!Counts(mb, maskStepStride, t)) continue;
                    var v = Vector512.Load(xb + (long)t * stepStride + c);
                    // Greater, or a NaN over a number: the first NaN wins and stays (NaN > anything is false).
                    var take = Vector512.GreaterThan(v, best) | Vector512.AndNot(Vector512.Equals(best, best), Vector512.Equals(v, v));
                    best = Vector512.ConditionalSelect(take, v, best);
                    arg = Vector512.ConditionalSelect(take, Vector512.Create((float)t), arg);
                }
                best.Store(ob + c);
                if (ab != null) arg.Store(ab + c);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; c <= width - 8; c += 8)
            {
                var best = Vector256.Load(x0 + c);
                var arg = Vector256.Create((float)first);
                for (int t = first + 1; t < steps; t++)
                {
                    if (!Counts(mb, maskStepStride, t)) continue;
                    var v = Vector256.Load(xb + (long)t * stepStride + c);
                    var take = Vector256.GreaterThan(v, best) | Vector256.AndNot(Vector256.Equals(best, best), Vector256.Equals(v, v));
                    best = Vector256.ConditionalSelect(take, v, best);
                    arg = Vector256.ConditionalSelect(take, Vector256.Create((float)t), arg);
                }
                best.Store(ob + c);
                if (ab != null) arg.Store(ab + c);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; c <= width - 4; c += 4)
            {
                var best = Vector128.Load(x0 + c);
                var arg = Vector128.Create((float)first);
                for (int t = first + 1; t < steps; t++)
                {
                    if (!Counts(mb, maskStepStride, t)) continue;
                    var v = Vector128.Load(xb + (long)t * stepStride + c);
                    var take = Vector128.GreaterThan(v, best) | Vector128.AndNot(Vector128.Equals(best, best), Vector128.Equals(v, v));
                    best = Vector128.ConditionalSelect(take, v, best);
                    arg = Vector128.ConditionalSelect(take, Vector128.Create((float)t), arg);
                }
                best.Store(ob + c);
                if (ab != null) arg.Store(ab + c);
            }
        }
        for (; c < width; c++)
        {
            float best = x0[c];
            int arg = first;
            for (int t = first + 1; t < steps; t++)
            {
                if (!Counts(mb, maskStepStride, t)) continue;
                float v = xb[(long)t * stepStride + c];
                if (v > best || (float.IsNaN(v) && !float.IsNaN(best))) { best = v; arg = t; }
            }
            ob[c] = best;
            if (ab != null) ab[c] = arg;
        }
    }

    /// <summary>Σ of each lane over the counted steps, in step order, times 1/n.</summary>
    private static void AverageRow(float* xb, int stepStride, int* mb, int maskStepStride, int steps, float scale, float* ob, int width)
    {
        int c = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; c <= width - 16; c += 16)
            {
                var sum = Vector512<float>.Zero;
                for (int t = 0; t < steps; t++)
                    if (Counts(mb, maskStepStride, t)) sum += Vector512.Load(xb + (long)t * stepStride + c);
                (sum * scale).Store(ob + c);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; c <= width - 8; c += 8)
            {
                var sum = Vector256<float>.Zero;
                for (int t = 0; t < steps; t++)
                    if (Counts(mb, maskStepStride, t)) sum += Vector256.Load(xb + (long)t * stepStride + c);
                (sum * scale).Store(ob + c);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; c <= width - 4; c += 4)
            {
                var sum = Vector128<float>.Zero;
                for (int t = 0; t < steps; t++)
                    if (Counts(mb, maskStepStride, t)) sum += Vector128.Load(xb + (long)t * stepStride + c);
                (sum * scale).Store(ob + c);
            }
        }
        for (; c < width; c++)
        {
            float sum = 0f;
            for (int t = 0; t < steps; t++)
                if (Counts(mb, maskStepStride, t)) sum += xb[(long)t * stepStride + c];
            ob[c] = sum * scale;
        }
    }

    /// <summary>row (+)= dOut·scale: one counted step's share of an average pool's gradient.</summary>
    private static void AverageShareRow(float* dOut, float scale, float* row, int width, bool accumulate)
    {
        int c = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; c <= width - 16; c += 16)
            {
                var share = Vector512.Load(dOut + c) * scale;
                (accumulate ? Vector512.Load(row + c) + share : share).Store(row + c);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; c <= width - 8; c += 8)
            {
                var share = Vector256.Load(dOut + c) * scale;
                (accumulate ? Vector256.Load(row + c) + share : share).Store(row + c);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; c <= width - 4; c += 4)
            {
                var share = Vector128.Load(dOut + c) * scale;
                (accumulate ? Vector128.Load(row + c) + share : share).Store(row + c);
            }
        }
        for (; c < width; c++)
        {
            float share = dOut[c] * scale;
            row[c] = accumulate ? row[c] + share : share;
        }
    }

    /// <summary>row (+)= dOut where the saved step is <paramref name="t"/>, else 0 (a NaN in dOut reaches only its own step).</summary>
    private static void MaxShareRow(float* argMax, int t, float* dOut, float* row, int width, bool accumulate)
    {
        float step = t;
        int c = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vt = Vector512.Create(step);
            for (; c <= width - 16; c += 16)
            {
                var share = Vector512.ConditionalSelect(Vector512.Equals(Vector512.Load(argMax + c), vt), Vector512.Load(dOut + c), Vector512<float>.Zero);
                (accumulate ? Vector512.Load(row + c) + share : share).Store(row + c);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vt = Vector256.Create(step);
            for (; c <= width - 8; c += 8)
            {
                var share = Vector256.ConditionalSelect(Vector256.Equals(Vector256.Load(argMax + c), vt), Vector256.Load(dOut + c), Vector256<float>.Zero);
                (accumulate ? Vector256.Load(row + c) + share : share).Store(row + c);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var vt = Vector128.Create(step);
            for (; c <= width - 4; c += 4)
            {
                var share = Vector128.ConditionalSelect(Vector128.Equals(Vector128.Load(argMax + c), vt), Vector128.Load(dOut + c), Vector128<float>.Zero);
                (accumulate ? Vector128.Load(row + c) + share : share).Store(row + c);
            }
        }
        for (; c < width; c++)
        {
            float share = argMax[c] == step ? dOut[c] : 0f;
            row[c] = accumulate ? row[c] + share : share;
        }
    }

    // ---------------------------------------------------------------- the float64 definitions (test oracle)

    /// <summary><see cref="Forward"/> in double, one element at a time, with the same layout.</summary>
    public static void ForwardReference(PoolKind kind, double* x, int xStride, int stepStride, int* mask, int maskStride, int maskStepStride,
        double* output, int outputStride, double* argMax, int argMaxStride, int batch, int steps, int width)
    {
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < width; c++)
            {
                int n = 0, chosen = -1;
                double sum = 0, max = 0;
                for (int t = 0; t < steps; t++)
                {
                    if (mask != null && mask[(long)t * maskStepStride + (long)b * maskStride] == 0) continue;
                    double v = x[(long)t * stepStride + (long)b * xStride + c];
                    n++;
                    sum += v;
                    if (chosen < 0 || v > max || (double.IsNaN(v) && !double.IsNaN(max))) { max = v; chosen = t; }
                }
                output[(long)b * outputStride + c] = n == 0 ? 0 : kind == PoolKind.Max ? max : sum / n;
                if (argMax != null) argMax[(long)b * argMaxStride + c] = chosen;
            }
    }

    /// <summary><see cref="Backward"/> in double, one element at a time, with the same layout.</summary>
    public static void BackwardReference(PoolKind kind, double* argMax, int argMaxStride, int* mask, int maskStride, int maskStepStride,
        double* dOutput, int dOutputStride, double* dx, int dxStride, int dStepStride, int batch, int steps, int width, bool accumulate)
    {
        for (int b = 0; b < batch; b++)
        {
            int n = 0;
            for (int t = 0; t < steps; t++)
                if (mask == null || mask[(long)t * maskStepStride + (long)b * maskStride] != 0) n++;
            for (int c = 0; c < width; c++)
            {
                double dOut = dOutput[(long)b * dOutputStride + c];
                for (int t = 0; t < steps; t++)
                {
                    bool counts = mask == null || mask[(long)t * maskStepStride + (long)b * maskStride] != 0;
                    double share = kind == PoolKind.Max
                        ? (argMax[(long)b * argMaxStride + c] == t ? dOut : 0)
                        : (counts ? dOut / n : 0);
                    double* at = dx + (long)t * dStepStride + (long)b * dxStride + c;
                    *at = accumulate ? *at + share : share;
                }
            }
        }
    }
}
