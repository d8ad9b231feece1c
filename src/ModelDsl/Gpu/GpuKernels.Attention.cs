using System.Runtime.CompilerServices;
using ILGPU;

namespace ModelDsl.Gpu;

// The attention family's device code: fused attention (forward, backward, one cached position), layer normalisation and the
// per-sample position bookkeeping. The definitions are IrInterpreter's; the CPU kernels (ModelDsl.Cpu.Attention, LayerNorm,
// PositionOps) compute the same in float. No kernel needs atomics: every output element has exactly one writing thread.
public static partial class GpuKernels
{
    /// <summary>
    /// One thread per (b, h, t) query row, index (b·Heads + h)·Steps + t: the largest allowed score, then Σ e_s and Σ e_s·v_s in
    /// one pass (e_s = exp(score_s − max)), scaled by 1/Σ e_s. Scores are recomputed rather than kept (no per-thread array);
    /// when Probabilities is set, a third pass writes the weights of the row (zero where not allowed, all zero when none is).
    /// </summary>
    public static void Attention(Index1D index, ArrayView<float> f, ArrayView<int> ids, AttentionArgs a)
    {
        int i = index;
        int T = a.Steps, d = a.KeySize;
        int t = i % T, bh = i / T;
        int h = bh % a.Heads, b = bh / a.Heads;
        int q = a.Q + (t * a.Batch + b) * a.QStride + h * d;
        int o = a.Output + (t * a.Batch + b) * a.OutputStride + h * d;
        int last = a.Causal != 0 ? t : T - 1;

        float max = 0f;
        bool any = false;
        for (int s = 0; s <= last; s++)
        {
            if (!KeyAllowed(ids, a.Mask, a.MaskBatchStride, a.MaskPositionStride, b, s)) continue;
            float score = a.Scale * Dot(f, q, a.K + (s * a.Batch + b) * a.KStride + h * d, d);
            if (!any || score > max) max = score;
            any = true;
        }
        for (int c = 0; c < d; c++) f[o + c] = 0f;
        float inverse = 0f;
        if (any)
        {
            float sum = 0f;
            for (int s = 0; s <= last; s++)
            {
                if (!KeyAllowed(ids, a.Mask, a.MaskBatchStride, a.MaskPositionStride, b, s)) continue;
                float e = MathF.Exp(a.Scale * Dot(f, q, a.K + (s * a.Batch + b) * a.KStride + h * d, d) - max);
                sum += e;
                int v = a.V + (s * a.Batch + b) * a.VStride + h * d;
                for (int c = 0; c < d; c++) f[o + c] += e * f[v + c];
            }
            inverse = 1f / sum;
            for (int c = 0; c < d; c++) f[o + c] *= inverse;
        }
        if (a.Probabilities < 0) return;
        int p = a.Probabilities + (bh * T + t) * T;
        for (int s = 0; s < T; s++)
        {
            float weight = 0f;
            if (any && s <= last && KeyAllowed(ids, a.Mask, a.MaskBatchStride, a.MaskPositionStride, b, s))
                weight = MathF.Exp(a.Scale * Dot(f, q, a.K + (s * a.Batch + b) * a.KStride + h * d, d) - max) * inverse;
            f[p + s] = weight;
        }
    }

    /// <summary>
    /// Backward, first launch: one thread per (b, h, t) query row. D_t = Σ_s P_ts·(dOut_t·v_s) goes to the row-sum scratch for
    /// the key-row launch, and dQ_t = scale·Σ_s P_ts·(dOut_t·v_s − D_t)·k_s is assigned. Zero weights (masked or underflowed)
    /// contribute nothing, as on the CPU.
    /// </summary>
    public static void AttentionBackwardQueries(Index1D index, ArrayView<float> f, ArrayView<int> ids, AttentionBackwardArgs a)
    {
        int i = index;
        int T = a.Steps, d = a.KeySize;
        int t = i % T, bh = i / T;
        int h = bh % a.Heads, b = bh / a.Heads;
        int p = a.Probabilities + (bh * T + t) * T;
        int dOut = a.DOutput + (t * a.Batch + b) * a.DOutputStride + h * d;
        float rowSum = 0f;
        for (int s = 0; s < T; s++)
        {
            float w = f[p + s];
            if (w == 0f) continue;
            rowSum += w * Dot(f, dOut, a.V + (s * a.Batch + b) * a.VStride + h * d, d);
        }
        f[a.RowSums + i] = rowSum;
        int dq = a.DQ + (t * a.Batch + b) * a.DQStride + h * d;
        for (int c = 0; c < d; c++) f[dq + c] = 0f;
        for (int s = 0; s < T; s++)
        {
            float w = f[p + s];
            if (w == 0f) continue;
            float g = w * (Dot(f, dOut, a.V + (s * a.Batch + b) * a.VStride + h * d, d) - rowSum) * a.Scale;
            int k = a.K + (s * a.Batch + b) * a.KStride + h * d;
            for (int c = 0; c < d; c++) f[dq + c] += g * f[k + c];
        }
    }

    /// <summary>
    /// Backward, second launch: one thread per (b, h, s) key row, looping over the query positions t, so dK_s and dV_s each
    /// have one writer: dK_s = scale·Σ_t P_ts·(dOut_t·v_s − D_t)·q_t and dV_s = Σ_t P_ts·dOut_t (assigned).
    /// </summary>
    public static void AttentionBackwardKeys(Index1D index, ArrayView<float> f, ArrayView<int> ids, AttentionBackwardArgs a)
    {
        int i = index;
        int T = a.Steps, d = a.KeySize;
        int s = i % T, bh = i / T;
        int h = bh % a.Heads, b = bh / a.Heads;
        int v = a.V + (s * a.Batch + b) * a.VStride + h * d;
        int dk = a.DK + (s * a.Batch + b) * a.DKStride + h * d;
        int dv = a.DV + (s * a.Batch + b) * a.DVStride + h * d;
        for (int c = 0; c < d; c++)
        {
            f[dk + c] = 0f;
            f[dv + c] = 0f;
        }
        for (int t = 0; t < T; t++)
        {
            float w = f[a.Probabilities + (bh * T + t) * T + s];
            if (w == 0f) continue;
            int dOut = a.DOutput + (t * a.Batch + b) * a.DOutputStride + h * d;
            float g = w * (Dot(f, dOut, v, d) - f[a.RowSums + bh * T + t]) * a.Scale;
            int q = a.Q + (t * a.Batch + b) * a.QStride + h * d;
            for (int c = 0; c < d; c++)
            {
                f[dk + c] += g * f[q + c];
                f[dv + c] += w * f[dOut + c];
            }
        }
    }

    /// <summary>
    /// One thread per (b, h), index b·Heads + h: writes this head's columns of the new key and value into the caches at row
    /// p·Batch + b (p = Positions[b]), then attends from q over cached positions 0..p. Threads touch disjoint columns, and the
    /// earlier positions were written by earlier launches.
    /// </summary>
    public static void CachedAttention(Index1D index, ArrayView<float> f, ArrayView<int> ids, CachedAttentionArgs a)
    {
        int i = index;
        int h = i % a.Heads, b = i / a.Heads, d = a.KeySize;
        int position = ids[a.Positions + b];
        int column = h * d;
        int row = (position * a.Batch + b) * a.CacheStride + column;
        int k = a.K + b * a.KStride + column, v = a.V + b * a.VStride + column;
        for (int c = 0; c < d; c++)
        {
            f[a.KeyCache + row + c] = f[k + c];
            f[a.ValueCache + row + c] = f[v + c];
        }
        int q = a.Q + b * a.QStride + column;
        int o = a.Output + b * a.OutputStride + column;
        float max = 0f;
        bool any = false;
        for (int s = 0; s <= position; s++)
        {
            if (!KeyAllowed(ids, a.Mask, a.MaskBatchStride, a.MaskPositionStride, b, s)) continue;
            float score = a.Scale * Dot(f, q, a.KeyCache + (s * a.Batch + b) * a.CacheStride + column, d);
            if (!any || score > max) max = score;
            any = true;
        }
        for (int c = 0; c < d; c++) f[o + c] = 0f;
        if (!any) return;
        float sum = 0f;
        for (int s = 0; s <= position; s++)
        {
            if (!KeyAllowed(ids, a.Mask, a.MaskBatchStride, a.MaskPositionStride, b, s)) continue;
            int cached = (s * a.Batch + b) * a.CacheStride + column;
            float e = MathF.Exp(a.Scale * Dot(f, q, a.KeyCache + cached, d) - max);
            sum += e;
            for (int c = 0; c < d; c++) f[o + c] += e * f[a.ValueCache + cached + c];
        }
        float inverse = 1f / sum;
        for (int c = 0; c < d; c++) f[o + c] *= inverse;
    }

    /// <summary>
    /// One thread per row: the mean, then the mean squared deviation (two passes, so large offsets do not cancel), then
    /// y = γ·(x − μ)·r + β with r = 1/√(σ² + ε); μ and r saved when Mean is set.
    /// </summary>
    public static void LayerNorm(Index1D index, ArrayView<float> f, ArrayView<int> ids, LayerNormArgs a)
    {
        int r = index;
        int x = a.X + r * a.XStride, y = a.Y + r * a.YStride;
        float mean = 0f;
        for (int c = 0; c < a.Cols; c++) mean += f[x + c];
        mean /= a.Cols;
        float variance = 0f;
        for (int c = 0; c < a.Cols; c++)
        {
            float centred = f[x + c] - mean;
            variance += centred * centred;
        }
        variance /= a.Cols;
        float inverse = 1f / MathF.Sqrt(variance + a.Epsilon);
        for (int c = 0; c < a.Cols; c++) f[y + c] = f[a.Gamma + c] * ((f[x + c] - mean) * inverse) + f[a.Beta + c];
        if (a.Mean < 0) return;
        f[a.Mean + r] = mean;
        f[a.InverseStd + r] = inverse;
    }

    /// <summary>
    /// LayerNorm backward, one thread per row: with x̂ = (x − μ)·r and g = dy·γ, dx = r·(g − mean(g) − x̂·mean(g·x̂)) (assigned).
    /// Each element of dy is read before its dx is written, so dx may alias dy.
    /// </summary>
    public static void LayerNormBackwardRows(Index1D index, ArrayView<float> f, ArrayView<int> ids, LayerNormArgs a)
    {
        int r = index;
        int x = a.X + r * a.XStride, dy = a.DY + r * a.DYStride, dx = a.DX + r * a.DXStride;
        float mean = f[a.Mean + r], inverse = f[a.InverseStd + r];
        float meanG = 0f, meanGx = 0f;
        for (int c = 0; c < a.Cols; c++)
        {
            float g = f[dy + c] * f[a.Gamma + c];
            meanG += g;
            meanGx += g * (f[x + c] - mean) * inverse;
        }
        meanG /= a.Cols;
        meanGx /= a.Cols;
        for (int c = 0; c < a.Cols; c++)
            f[dx + c] = inverse * (f[dy + c] * f[a.Gamma + c] - meanG - (f[x + c] - mean) * inverse * meanGx);
    }

    /// <summary>
    /// LayerNorm backward, one thread per column summing down the rows in order (like <see cref="ColumnSums"/>, deterministic):
    /// dγ += Σ_r dy·x̂ and dβ += Σ_r dy.
    /// </summary>
    public static void LayerNormBackwardColumns(Index1D index, ArrayView<float> f, ArrayView<int> ids, LayerNormArgs a)
    {
        int c = index;
        float dGamma = 0f, dBeta = 0f;
        for (int r = 0; r < a.Rows; r++)
        {
            float dy = f[a.DY + r * a.DYStride + c];
            dGamma += dy * (f[a.X + r * a.XStride + c] - f[a.Mean + r]) * f[a.InverseStd + r];
            dBeta += dy;
        }
        f[a.DGamma + c] += dGamma;
        f[a.DBeta + c] += dBeta;
    }

    /// <summary>
    /// The same sums in two deterministic stages for many rows (see <see cref="ColumnPartialSums"/>): stage 1, one thread per
    /// (chunk of <see cref="ColumnSumsChunk"/> rows, column), writes the chunk's Σ dy·x̂ to partial[k·cols + c] and its Σ dy
    /// to partial[(chunks + k)·cols + c].
    /// </summary>
    public static void LayerNormBackwardPartials(Index1D index, ArrayView<float> f, ArrayView<float> partial, LayerNormArgs a)
    {
        int chunk = index / a.Cols, c = index - chunk * a.Cols;
        int chunks = (a.Rows + ColumnSumsChunk - 1) / ColumnSumsChunk;
        int r0 = chunk * ColumnSumsChunk, r1 = Math.Min(a.Rows, r0 + ColumnSumsChunk);
        float dGamma = 0f, dBeta = 0f;
        for (int r = r0; r < r1; r++)
        {
            float dy = f[a.DY + r * a.DYStride + c];
            dGamma += dy * (f[a.X + r * a.XStride + c] - f[a.Mean + r]) * f[a.InverseStd + r];
            dBeta += dy;
        }
        partial[index] = dGamma;
        partial[(chunks + chunk) * a.Cols + c] = dBeta;
    }

    /// <summary>Stage 2: one thread per column adds the partial sums in chunk order into dγ and dβ.</summary>
    public static void LayerNormBackwardOfPartials(Index1D index, ArrayView<float> f, ArrayView<float> partial, LayerNormArgs a)
    {
        int c = index;
        int chunks = (a.Rows + ColumnSumsChunk - 1) / ColumnSumsChunk;
        float dGamma = 0f, dBeta = 0f;
        for (int k = 0; k < chunks; k++)
        {
            dGamma += partial[k * a.Cols + c];
            dBeta += partial[(chunks + k) * a.Cols + c];
        }
        f[a.DGamma + c] += dGamma;
        f[a.DBeta + c] += dBeta;
    }

    /// <summary>One thread per output element: Output[b, c] = Sequence[Positions[b]·Batch + b, c].</summary>
    public static void GatherPositions(Index1D index, ArrayView<float> f, ArrayView<int> ids, PositionArgs a)
    {
        int i = index;
        int b = i / a.Cols, c = i - b * a.Cols;
        int position = ids[a.Positions + b];
        f[a.Output + b * a.OutputStride + c] = f[a.Sequence + (position * a.Batch + b) * a.SequenceStride + c];
    }

    /// <summary>One thread per sample: History[Positions[b]·Batch + b] = Tokens[b·TokenStride].</summary>
    public static void RecordTokens(Index1D index, ArrayView<float> f, ArrayView<int> ids, PositionArgs a)
    {
        int b = index;
        ids[a.History + ids[a.Positions + b] * a.Batch + b] = ids[a.Tokens + b * a.TokenStride];
    }

    /// <summary>One thread per sample: Positions[b] += 1.</summary>
    public static void AdvancePositions(Index1D index, ArrayView<float> f, ArrayView<int> ids, PositionArgs a)
    {
        int b = index;
        ids[a.Positions + b] += 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool KeyAllowed(ArrayView<int> ids, int mask, int batchStride, int positionStride, int b, int s) =>
        mask < 0 || ids[mask + b * batchStride + s * positionStride] != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ArrayView<float> f, int x, int y, int n)
    {
        float acc = 0f;
        for (int c = 0; c < n; c++) acc += f[x + c] * f[y + c];
        return acc;
    }
}
