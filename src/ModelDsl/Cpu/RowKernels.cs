using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelDsl.Cpu;

/// <summary>
/// Row-wise kernels of a language model's ends: embedding gather/scatter, bias sums, softmax and the fused
/// softmax-cross-entropy. Single-threaded, vectorised along a row with the widest accelerated vector (Vector512, Vector256,
/// Vector128), a scalar loop finishing the row or, without SIMD, doing all of it.
/// </summary>
public static unsafe class RowKernels
{
    /// <summary>output[r, :] (+)= table[ids[r·idStride], :] for r in [0, rows): an embedding lookup, or one-hot·W as a gather.</summary>
    public static void GatherRows(float* table, int tableStride, int* ids, int idStride, int rows, int cols,
        float* output, int outStride, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
        {
            float* src = table + (long)ids[(long)r * idStride] * tableStride;
            float* dst = output + (long)r * outStride;
            if (accumulate) AddInto(src, dst, cols);
            else Buffer.MemoryCopy(src, dst, (long)cols * sizeof(float), (long)cols * sizeof(float));
        }
    }

    /// <summary>dTable[ids[r·idStride], :] += dOut[r, :], sequentially, so repeated ids accumulate correctly.</summary>
    public static void ScatterAddRows(float* dOut, int outStride, int* ids, int idStride, int rows, int cols,
        float* dTable, int tableStride)
    {
        for (int r = 0; r < rows; r++)
            AddInto(dOut + (long)r * outStride, dTable + (long)ids[(long)r * idStride] * tableStride, cols);
    }

    /// <summary>sums[c] (+)= Σ_r x[r, c]: the bias gradient of a row-batched layer.</summary>
    public static void ColumnSums(float* x, int rows, int cols, int stride, float* sums, bool accumulate)
    {
        if (!accumulate) new Span<float>(sums, cols).Clear();
        for (int r = 0; r < rows; r++) AddInto(x + (long)r * stride, sums, cols);
    }

    /// <summary>probs[r, :] = softmax(logits[r, :]), stabilised by the row maximum; probs may alias logits.</summary>
    public static void Softmax(float* logits, int rows, int cols, int stride, float* probs, int probStride)
    {
        for (int r = 0; r < rows; r++)
        {
            float* x = logits + (long)r * stride;
            float* y = probs + (long)r * probStride;
            float max = RowMax(x, cols);
            double sum = ExpShifted(x, y, cols, max);
            Scale(y, y, cols, (float)(1.0 / sum), 0f);
        }
    }

    /// <summary>
    /// Fused softmax + sparse categorical cross-entropy. Returns Σ_r −log softmax(logits[r])[targets[r]], each term
    /// computed as logsumexp − logit (no log of a rounded probability). When <paramref name="dLogits"/> is not null it is
    /// overwritten with scale·(softmax(logits[r]) − onehot(targets[r])); it may alias logits. With
    /// <paramref name="ignorePadding"/>, a row whose target is 0 (padding) adds nothing and gets dLogits 0.
    /// </summary>
    public static double SoftmaxCrossEntropy(float* logits, int rows, int cols, int stride, int* targets, int targetStride,
        float* dLogits, int dStride, float scale, bool ignorePadding = false)
    {
        double loss = 0;
        for (int r = 0; r < rows; r++)
        {
            float* x = logits + (long)r * stride;
            int target = targets[(long)r * targetStride];
            if (ignorePadding && target == 0)
            {
                if (dLogits != null) new Span<float>(dLogits + (long)r * dStride, cols).Clear();
                continue;
            }
            float max = RowMax(x, cols);
            float targetLogit = x[target];
            double sum;
            if (dLogits is null)
            {
                sum = SumExpShifted(x, cols, max);
            }
            else
            {
                float* d = dLogits + (long)r * dStride;
                sum = ExpShifted(x, d, cols, max);
                Scale(d, d, cols, (float)(scale / sum), 0f);
                d[target] -= scale;
            }
            loss += max + Math.Log(sum) - targetLogit;
        }
        return loss;
    }

    // ---------------------------------------------------------------- row primitives

    /// <summary>dst[i] += src[i]; TensorPrimitives takes the widest accelerated vector, or none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddInto(float* src, float* dst, int n)
        => TensorPrimitives.Add(new ReadOnlySpan<float>(src, n), new ReadOnlySpan<float>(dst, n), new Span<float>(dst, n));

    private static float RowMax(float* x, int n)
    {
        float max = float.NegativeInfinity;
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var m = Vector512.Create(float.NegativeInfinity);
            for (; i + 16 <= n; i += 16) m = Vector512.Max(m, Vector512.Load(x + i));
            max = MaxAcross(Vector256.Max(m.GetLower(), m.GetUpper()));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var m = Vector256.Create(float.NegativeInfinity);
            for (; i + 8 <= n; i += 8) m = Vector256.Max(m, Vector256.Load(x + i));
            max = MaxAcross(m);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 4)
        {
            var m = Vector128.Create(float.NegativeInfinity);
            for (; i + 4 <= n; i += 4) m = Vector128.Max(m, Vector128.Load(x + i));
            max = MaxAcross(m);
        }
        for (; i < n; i++) max = MathF.Max(max, x[i]);
        return max;
    }

    private static float MaxAcross(Vector128<float> v) => MathF.Max(MathF.Max(v[0], v[1]), MathF.Max(v[2], v[3]));

    private static float MaxAcross(Vector256<float> v)
    {
        float max = v[0];
        for (int i = 1; i < 8; i++) max = MathF.Max(max, v[i]);
        return max;
    }

    /// <summary>y[i] = exp(x[i] − shift); returns Σ y in double.</summary>
    private static double ExpShifted(float* x, float* y, int n, float shift)
    {
        int i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512<float>.Zero;
            var vs = Vector512.Create(shift);
            for (; i + 16 <= n; i += 16)
            {
                var e = SimdMath.Exp(Vector512.Load(x + i) - vs);
                Vector512.Store(e, y + i);
                s += e;
            }
            sum = Vector512.Sum(s);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256<float>.Zero;
            var vs = Vector256.Create(shift);
            for (; i + 8 <= n; i += 8)
            {
                var e = SimdMath.Exp(Vector256.Load(x + i) - vs);
                Vector256.Store(e, y + i);
                s += e;
            }
            sum = Vector256.Sum(s);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var s = Vector128<float>.Zero;
            var vs = Vector128.Create(shift);
            for (; i + 4 <= n; i += 4)
            {
                var e = SimdMath.Exp(Vector128.Load(x + i) - vs);
                Vector128.Store(e, y + i);
                s += e;
            }
            sum = Vector128.Sum(s);
        }
        for (; i < n; i++)
        {
            float e = SimdMath.Exp(x[i] - shift);
            y[i] = e;
            sum += e;
        }
        return sum;
    }

    private static double SumExpShifted(float* x, int n, float shift)
    {
        int i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512<float>.Zero;
            var vs = Vector512.Create(shift);
            for (; i + 16 <= n; i += 16) s += SimdMath.Exp(Vector512.Load(x + i) - vs);
            sum = Vector512.Sum(s);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256<float>.Zero;
            var vs = Vector256.Create(shift);
            for (; i + 8 <= n; i += 8) s += SimdMath.Exp(Vector256.Load(x + i) - vs);
            sum = Vector256.Sum(s);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var s = Vector128<float>.Zero;
            var vs = Vector128.Create(shift);
            for (; i + 4 <= n; i += 4) s += SimdMath.Exp(Vector128.Load(x + i) - vs);
            sum = Vector128.Sum(s);
        }
        for (; i < n; i++) sum += SimdMath.Exp(x[i] - shift);
        return sum;
    }

    /// <summary>y[i] = x[i]·a + b.</summary>
    private static void Scale(float* x, float* y, int n, float a, float b)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, vb), y + i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(x + i), va, vb), y + i);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var va = Vector128.Create(a);
            var vb = Vector128.Create(b);
            for (; i + 4 <= n; i += 4) Vector128.Store(Vector128.FusedMultiplyAdd(Vector128.Load(x + i), va, vb), y + i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], a, b);
    }
}
