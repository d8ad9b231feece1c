using ModelDsl.Cpu;
using ModelDsl.Gpu;

namespace ModelDsl.Tests.Gpu;

// The attention family's kernels against the CPU kernels (whose own oracle is the interpreter), at tiny sizes with padded row
// strides, padding masks and a query that no key may be attended from.
public partial class GpuKernelTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public unsafe void Attention_forward_and_backward_match_the_cpu_kernels(bool causal, bool masked)
    {
        const int T = 4, batch = 2, heads = 2, d = 3, stride = heads * d + 1;
        const int matrix = T * batch * stride;
        const int q = 0, k = matrix, v = 2 * matrix, o = 3 * matrix, dOut = 4 * matrix, dq = 5 * matrix, dk = 6 * matrix, dv = 7 * matrix;
        const int probs = 8 * matrix, rowSums = probs + batch * heads * T * T, total = rowSums + batch * heads * T;
        var data = Random(total, 21);
        // Ids [B, T]: sample 1's first key is padding, so its causal query 0 has no key at all (zero output, zero weights).
        int[] ids = [3, 1, 0, 2, 0, 5, 6, 0];
        var expected = (float[])data.Clone();
        fixed (float* e = expected)
        fixed (int* m = ids)
        {
            var mask = masked ? new Attention.KeyMask(m, T, 1) : default;
            Attention.Forward(e + q, stride, e + k, stride, e + v, stride, e + o, stride, batch, T, heads, d, causal, mask, e + probs);
            Attention.Backward(e + q, stride, e + k, stride, e + v, stride, e + probs, e + dOut, stride, e + dq, stride, e + dk, stride, e + dv, stride, batch, T, heads, d);
        }

        using var arena = new Arena(data, ids);
        float scale = 1f / MathF.Sqrt(d);
        Device.Attention(arena.F, arena.I, new AttentionArgs
        {
            Q = q, QStride = stride, K = k, KStride = stride, V = v, VStride = stride, Output = o, OutputStride = stride,
            Batch = batch, Steps = T, Heads = heads, KeySize = d, Causal = causal ? 1 : 0,
            Mask = masked ? 0 : -1, MaskBatchStride = T, MaskPositionStride = 1, Probabilities = probs, Scale = scale,
        });
        Device.AttentionBackward(arena.F, new AttentionBackwardArgs
        {
            Q = q, QStride = stride, K = k, KStride = stride, V = v, VStride = stride, Probabilities = probs,
            DOutput = dOut, DOutputStride = stride, DQ = dq, DQStride = stride, DK = dk, DKStride = stride, DV = dv, DVStride = stride,
            Batch = batch, Steps = T, Heads = heads, KeySize = d, RowSums = rowSums, Scale = scale,
        });
        var actual = arena.Read();
        Array.Copy(actual, rowSums, expected, rowSums, batch * heads * T); // the GPU's own scratch
        AssertClose(expected, actual, 1e-5, "attention");
        if (masked && causal)
            for (int c = 0; c < heads * d; c++) Assert.Equal(0f, actual[o + (0 * batch + 1) * stride + c]);
    }

    [Fact]
    public unsafe void Cached_attention_writes_the_caches_and_attends_over_positions_so_far()
    {
        const int batch = 2, heads = 2, d = 3, capacity = 4, width = heads * d, stride = width + 2, cacheStride = width;
        const int q = 0, k = batch * stride, v = 2 * batch * stride, o = 3 * batch * stride;
        const int keyCache = 4 * batch * stride, valueCache = keyCache + capacity * batch * cacheStride, total = valueCache + capacity * batch * cacheStride;
        var data = Random(total, 23);
        // Int arena: positions [2, 0], then the token history [capacity, B]; sample 0's position 1 is padding.
        int[] ints = [2, 0, 4, 7, 0, 0, 5, 0, 0, 0];
        const int positions = 0, history = 2;
        var expected = (float[])data.Clone();
        fixed (float* e = expected)
        fixed (int* m = ints)
            Attention.Cached(e + q, stride, e + k, stride, e + v, stride, e + o, stride, e + keyCache, e + valueCache, cacheStride, m + positions,
                batch, heads, d, capacity, new Attention.KeyMask(m + history, 1, batch));

        using var arena = new Arena(data, ints);
        Device.CachedAttention(arena.F, arena.I, new CachedAttentionArgs
        {
            Q = q, QStride = stride, K = k, KStride = stride, V = v, VStride = stride, Output = o, OutputStride = stride,
            KeyCache = keyCache, ValueCache = valueCache, CacheStride = cacheStride, Positions = positions,
            Batch = batch, Heads = heads, KeySize = d, Mask = history, MaskBatchStride = 1, MaskPositionStride = batch, Scale = 1f / MathF.Sqrt(d),
        });
        AssertClose(expected, arena.Read(), 1e-5, "cached attention");
    }

    [Theory]
    [InlineData(5)]   // one chunk of rows: dγ, dβ one thread per column
    [InlineData(150)] // three chunks, the last partial: the two-stage sums
    public unsafe void Layer_norm_forward_and_backward_match_the_cpu_kernels(int rows)
    {
        const int cols = 7, stride = 9;
        int matrix = rows * stride;
        int x = 0, y = matrix, dy = 2 * matrix, dx = 3 * matrix, gamma = 4 * matrix, beta = gamma + cols, mean = beta + cols;
        int rstd = mean + rows, dGamma = rstd + rows, dBeta = dGamma + cols, total = dBeta + cols;
        var data = Random(total, 22);
        for (int c = 0; c < cols; c++) data[x + c] += 3f; // an offset row: the statistics are taken in two passes
        var expected = (float[])data.Clone();
        fixed (float* e = expected)
        {
            LayerNorm.Forward(e + x, stride, e + gamma, e + beta, e + y, stride, rows, cols, 1e-3f, e + mean, e + rstd);
            LayerNorm.Backward(e + x, stride, e + gamma, e + mean, e + rstd, e + dy, stride, e + dx, stride, e + dGamma, e + dBeta, rows, cols);
        }

        using var arena = new Arena(data);
        Device.LayerNorm(arena.F, new LayerNormArgs
        {
            X = x, XStride = stride, Gamma = gamma, Beta = beta, Y = y, YStride = stride, Rows = rows, Cols = cols, Epsilon = 1e-3f, Mean = mean, InverseStd = rstd,
        });
        Device.LayerNormBackward(arena.F, new LayerNormArgs
        {
            X = x, XStride = stride, Gamma = gamma, Mean = mean, InverseStd = rstd, DY = dy, DYStride = stride, DX = dx, DXStride = stride,
            DGamma = dGamma, DBeta = dBeta, Rows = rows, Cols = cols,
        });
        AssertClose(expected, arena.Read(), 1e-5, "layer norm");
    }

    [Fact]
    public unsafe void Position_ops_gather_record_and_advance()
    {
        const int batch = 3, steps = 4, cols = 5, stride = 6, outStride = 7, capacity = 4;
        const int output = steps * batch * stride, total = output + batch * outStride;
        var data = Random(total, 24);
        // Int arena: positions [1, 3, 0], tokens [B] at stride 2, history [capacity, B].
        const int positions = 0, tokens = 3, history = tokens + 2 * batch;
        var ints = new int[history + capacity * batch];
        ints[0] = 1; ints[1] = 3; ints[2] = 0;
        ints[tokens] = 4; ints[tokens + 2] = 8; ints[tokens + 4] = 2;
        var expected = (float[])data.Clone();
        var expectedInts = (int[])ints.Clone();
        fixed (float* e = expected)
        fixed (int* m = expectedInts)
        {
            PositionOps.GatherPositions(e, stride, m + positions, batch, steps, cols, e + output, outStride);
            PositionOps.RecordTokens(m + tokens, 2, m + positions, m + history, batch, capacity);
            PositionOps.AdvancePositions(m + positions, batch);
        }

        using var arena = new Arena(data, ints);
        Device.GatherPositions(arena.F, arena.I, new PositionArgs { Sequence = 0, SequenceStride = stride, Positions = positions, Batch = batch, Cols = cols, Output = output, OutputStride = outStride });
        Device.RecordTokens(arena.F, arena.I, new PositionArgs { Tokens = tokens, TokenStride = 2, Positions = positions, History = history, Batch = batch });
        Device.AdvancePositions(arena.F, arena.I, new PositionArgs { Positions = positions, Batch = batch });
        AssertClose(expected, arena.Read(), 0, "gathered rows");
        Assert.Equal(expectedInts, arena.ReadInts());
    }
}
