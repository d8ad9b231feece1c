using System.Runtime.Intrinsics;
using ModelDsl.Numerics;

namespace ModelDsl.Cpu;

/// <summary>Small row operations the generated CPU code calls between products (each with an obvious reference: the loop itself).</summary>
public static unsafe class CpuOps
{
    public static void Zero(float* p, int rows, int cols, int stride)
    {
        if (stride == cols) { new Span<float>(p, rows * cols).Clear(); return; }
        for (int r = 0; r < rows; r++) new Span<float>(p + (long)r * stride, cols).Clear();
    }

    public static void Copy(float* source, int sourceStride, float* target, int targetStride, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(source + (long)r * sourceStride, cols).CopyTo(new Span<float>(target + (long)r * targetStride, cols));
    }

    /// <summary>target[r, :] = bias for every row: the start of C = A·B + b.</summary>
    public static void BroadcastRows(float* bias, float* target, int rows, int cols, int stride)
    {
        var b = new ReadOnlySpan<float>(bias, cols);
        for (int r = 0; r < rows; r++) b.CopyTo(new Span<float>(target + (long)r * stride, cols));
    }

    /// <summary>output[r, :] (+)= table[ids[r], :] (+ bias).</summary>
    public static void GatherRows(float* table, int tableStride, int* ids, int idStride, int rows, int cols,
        float* output, int outStride, float* bias, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
        {
            float* src = table + (long)ids[(long)r * idStride] * tableStride;
            float* dst = output + (long)r * outStride;
            int c = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; c <= cols - 16; c += 16)
                {
                    var v = Vector512.Load(src + c);
                    if (bias != null) v += Vector512.Load(bias + c);
                    if (accumulate) v += Vector512.Load(dst + c);
                    v.Store(dst + c);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (; c <= cols - 8; c += 8)
                {
                    var v = Vector256.Load(src + c);
                    if (bias != null) v += Vector256.Load(bias + c);
                    if (accumulate) v += Vector256.Load(dst + c);
                    v.Store(dst + c);
                }
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                for (; c <= cols - 4; c += 4)
                {
                    var v = Vector128.Load(src + c);
                    if (bias != null) v += Vector128.Load(bias + c);
                    if (accumulate) v += Vector128.Load(dst + c);
                    v.Store(dst + c);
                }
            }
            for (; c < cols; c++)
            {
                float v = src[c];
                if (bias != null) v += bias[c];
                dst[c] = accumulate ? dst[c] + v : v;
            }
        }
    }

    /// <summary>
    /// Inverted-dropout mask: 1/(1−rate) with probability 1−rate, else 0; row-major draw order. Without a random stream
    /// (an evaluation run of a training program) dropout is off: a mask of ones, nothing drawn.
    /// </summary>
    public static void DropoutMask(float* mask, int rows, int cols, int stride, float rate, Rng? rng)
    {
        float scale = 1f / (1f - rate);
        for (int r = 0; r < rows; r++)
        {
            float* row = mask + (long)r * stride;
            for (int c = 0; c < cols; c++) row[c] = rng is null ? 1f : rng.NextFloat() >= rate ? scale : 0f;
        }
    }

    /// <summary>
    /// Binary cross-entropy of sigmoid(logit) against targets 0/1, summed over rows (softplus(z) − y·z, stable for any z);
    /// when <paramref name="dLogits"/> is not null it gets scale·(σ(z) − y).
    /// </summary>
    public static double SigmoidCrossEntropy(float* logits, int rows, int stride, int* targets, int targetStride, float* dLogits, int dStride, float scale)
    {
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            double z = logits[(long)r * stride];
            int y = targets[(long)r * targetStride];
            total += Math.Max(z, 0) - y * z + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            if (dLogits != null) dLogits[(long)r * dStride] = scale * (float)(1 / (1 + Math.Exp(-z)) - y);
        }
        return total;
    }

    /// <summary>mask[r, :] = 1 where ids[r] ≠ 0 (id 0 is padding), else 0.</summary>
    public static void TokenMask(int* ids, int idStride, int rows, int cols, float* mask, int stride)
    {
        for (int r = 0; r < rows; r++)
            new Span<float>(mask + (long)r * stride, cols).Fill(ids[(long)r * idStride] != 0 ? 1f : 0f);
    }
}
