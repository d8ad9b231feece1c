using System.Runtime.CompilerServices;
using ILGPU;

namespace ModelDsl.Gpu;

/// <summary>
/// The device code of the non-pointwise ops, as ILGPU kernels over a program's float arena <c>f</c> and int arena <c>ids</c>.
/// Each has a plain host loop as its reference (tests/ModelDsl.Tests/Gpu/GpuKernelTests.cs); none bounds-checks ids (the executor
/// validates them before any launch).
/// </summary>
public static partial class GpuKernels
{
    /// <summary>
    /// Shared-memory tiled GEMM with 16 × 16 tiles (groups of 256 threads): the GPU kernel. Group (x, y) computes the block of C
    /// at columns x·16, rows y·16, walking K one tile at a time through shared memory.
    /// </summary>
    public static void GemmTile16(ArrayView<float> f, GemmArgs g) =>
        GemmTiled(f, g, SharedMemory.Allocate<float>(16 * 16), SharedMemory.Allocate<float>(16 * 16), 16);

    /// <summary>
    /// The same kernel with 4 × 4 tiles, for the CPU emulator: there every simulated thread is an OS thread, and barriers
    /// across groups of 256 cost ~100 ms a launch.
    /// </summary>
    public static void GemmTile4(ArrayView<float> f, GemmArgs g) =>
        GemmTiled(f, g, SharedMemory.Allocate<float>(4 * 4), SharedMemory.Allocate<float>(4 * 4), 4);

    /// <summary>The body of the tiled GEMM (inlined, tile a constant). Ragged edges load zeros, so any M, N, K is correct.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GemmTiled(ArrayView<float> f, GemmArgs g, ArrayView<float> tileA, ArrayView<float> tileB, int tile)
    {
        int tx = Group.IdxX, ty = Group.IdxY;
        int row = Grid.IdxY * tile + ty;
        int col = Grid.IdxX * tile + tx;
        float acc = 0f;
        for (int k0 = 0; k0 < g.K; k0 += tile)
        {
            // A(row, k0 + tx) and B(k0 + ty, col): op(A) is M×K, op(B) is K×N.
            int ka = k0 + tx;
            float a = 0f;
            if (row < g.M && ka < g.K)
                a = g.TransA != 0 ? f[g.A + ka * g.Lda + row] : f[g.A + row * g.Lda + ka];
            tileA[ty * tile + tx] = a;
            int kb = k0 + ty;
            float b = 0f;
            if (kb < g.K && col < g.N)
                b = g.TransB != 0 ? f[g.B + col * g.Ldb + kb] : f[g.B + kb * g.Ldb + col];
            tileB[ty * tile + tx] = b;
            Group.Barrier();
            for (int k = 0; k < tile; k++)
                acc += tileA[ty * tile + k] * tileB[k * tile + tx];
            Group.Barrier();
        }
        if (row < g.M && col < g.N)
        {
            if (g.Bias >= 0) acc += f[g.Bias + col];
            int o = g.C + row * g.Ldc + col;
            f[o] = g.Accumulate != 0 ? f[o] + acc : acc;
        }
    }

    /// <summary>One thread per element of the output window.</summary>
    public static void GatherRows(Index1D index, ArrayView<float> f, ArrayView<int> ids, GatherRowsArgs g)
    {
        int i = index;
        int perStep = g.Rows * g.Cols;
        int s = i / perStep, e = i - s * perStep;
        int r = e / g.Cols, c = e - r * g.Cols;
        int id = ids[g.Ids + s * g.IdTimeStride + r * g.IdStride];
        float v = f[g.Table + id * g.TableStride + c];
        if (g.Bias >= 0) v += f[g.Bias + s * g.BiasTimeStride + c];
        int o = g.Output + s * g.OutputTimeStride + r * g.OutputStride + c;
        f[o] = g.Accumulate != 0 ? f[o] + v : v;
    }

    /// <summary>One thread per source element; rows with the same id collide, hence the atomic add.</summary>
    public static void ScatterAddRows(Index1D index, ArrayView<float> f, ArrayView<int> ids, ScatterAddRowsArgs s)
    {
        int i = index;
        int perStep = s.Rows * s.Cols;
        int step = i / perStep, e = i - step * perStep;
        int r = e / s.Cols, c = e - r * s.Cols;
        int id = ids[s.Ids + step * s.IdTimeStride + r * s.IdStride];
        AtomicAdd(f, s.Table + id * s.TableStride + c, f[s.Source + step * s.SourceTimeStride + r * s.SourceStride + c], s.BitwiseAtomics);
    }

    /// <summary>
    /// f[index] += value atomically. On a GPU (<paramref name="bitwise"/> 0) the hardware's float atomic. On ILGPU's CPU
    /// emulator a compare-and-swap on the float's bit pattern instead: the emulator's own float atomic compares the old value
    /// as a float, so once the target holds NaN (NaN ≠ NaN) it retries for ever, and a NaN gradient would hang the run
    /// instead of being reported.
    /// </summary>
    public static void AtomicAdd(ArrayView<float> f, int index, float value, int bitwise)
    {
        if (bitwise == 0)
        {
            Atomic.Add(ref f[index], value);
            return;
        }
        var bits = f.Cast<int>();
        int current = bits[index];
        while (true)
        {
            int desired = (int)Interop.FloatAsInt(Interop.IntAsFloat((uint)current) + value);
            int seen = Atomic.CompareExchange(ref bits[index], current, desired);
            if (seen == current) return;
            current = seen;
        }
    }

    /// <summary>Rows per partial sum in the two-stage column sums.</summary>
    public const int ColumnSumsChunk = 64;

    /// <summary>
    /// Stage 1 of the column sums: one thread per (chunk of <see cref="ColumnSumsChunk"/> rows, column), neighbouring threads
    /// reading neighbouring columns of a row; partial[chunk·cols + c] gets the chunk's sum, added in row order.
    /// </summary>
    public static void ColumnPartialSums(Index1D index, ArrayView<float> f, ArrayView<float> partial, ColumnSumsArgs s)
    {
        int chunk = index / s.Cols, c = index - chunk * s.Cols;
        int r0 = chunk * ColumnSumsChunk, r1 = Math.Min(s.Rows, r0 + ColumnSumsChunk);
        float acc = 0f;
        for (int r = r0; r < r1; r++) acc += f[s.Source + r * s.Stride + c];
        partial[index] = acc;
    }

    /// <summary>Stage 2: one thread per column adds the chunks' partial sums in chunk order (deterministic, no atomics).</summary>
    public static void ColumnSumsOfPartials(Index1D index, ArrayView<float> f, ArrayView<float> partial, ColumnSumsArgs s)
    {
        int c = index;
        int chunks = (s.Rows + ColumnSumsChunk - 1) / ColumnSumsChunk;
        float acc = 0f;
        for (int k = 0; k < chunks; k++) acc += partial[k * s.Cols + c];
        int o = s.Sums + c;
        f[o] = s.Accumulate != 0 ? f[o] + acc : acc;
    }

    /// <summary>One thread per column, summing down the rows in order: for few rows (one chunk), where two stages do not pay.</summary>
    public static void ColumnSums(Index1D index, ArrayView<float> f, ArrayView<int> ids, ColumnSumsArgs s)
    {
        int c = index;
        float acc = 0f;
        for (int r = 0; r < s.Rows; r++) acc += f[s.Source + r * s.Stride + c];
        int o = s.Sums + c;
        f[o] = s.Accumulate != 0 ? f[o] + acc : acc;
    }

    /// <summary>
    /// Column sums of <see cref="ColumnSumsArgs.Steps"/> time steps at once: one thread per (step, column) walking that step's
    /// rows in order (a batch of rows: short enough for one thread, and deterministic).
    /// </summary>
    public static void StepColumnSums(Index1D index, ArrayView<float> f, ArrayView<int> ids, ColumnSumsArgs s)
    {
        int step = index / s.Cols, c = index - step * s.Cols;
        int source = s.Source + step * s.SourceTimeStride + c;
        float acc = 0f;
        for (int r = 0; r < s.Rows; r++) acc += f[source + r * s.Stride];
        int o = s.Sums + step * s.SumsTimeStride + c;
        f[o] = s.Accumulate != 0 ? f[o] + acc : acc;
    }

    /// <summary>One thread per row: max, Σ exp, normalise.</summary>
    public static void Softmax(Index1D index, ArrayView<float> f, ArrayView<int> ids, SoftmaxArgs s)
    {
        int r = index;
        int x = s.Logits + r * s.Stride;
        float max = f[x];
        for (int c = 1; c < s.Cols; c++) max = Math.Max(max, f[x + c]);
        float sum = 0f;
        int y = s.Output + r * s.OutputStride;
        for (int c = 0; c < s.Cols; c++)
        {
            float e = MathF.Exp(f[x + c] - max);
            f[y + c] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int c = 0; c < s.Cols; c++) f[y + c] *= inv;
    }

    /// <summary>
    /// One thread per row: loss_r = log Σ exp(x − max) + max − x[target], added (scaled) to the row's loss slot; when training,
    /// dLogits = Scale · (p − onehot). A padding row (target 0 with <see cref="SoftmaxArgs.IgnorePadding"/>) adds nothing and
    /// gets dLogits 0.
    /// </summary>
    public static void SoftmaxCrossEntropy(Index1D index, ArrayView<float> f, ArrayView<int> ids, SoftmaxArgs s)
    {
        int r = index;
        int x = s.Logits + r * s.Stride;
        int target = ids[s.Targets + r * s.TargetStride];
        if (s.IgnorePadding != 0 && target == 0)
        {
            if (s.Output < 0) return;
            int padded = s.Output + r * s.OutputStride;
            for (int c = 0; c < s.Cols; c++) f[padded + c] = 0f;
            return;
        }
        float max = f[x];
        for (int c = 1; c < s.Cols; c++) max = Math.Max(max, f[x + c]);
        float sum = 0f;
        for (int c = 0; c < s.Cols; c++) sum += MathF.Exp(f[x + c] - max);
        float logSum = MathF.Log(sum) + max;
        f[s.Losses + r] += (logSum - f[x + target]) * s.Scale;
        if (s.Output < 0) return;
        int d = s.Output + r * s.OutputStride;
        for (int c = 0; c < s.Cols; c++)
        {
            float p = MathF.Exp(f[x + c] - logSum);
            f[d + c] = s.Scale * (c == target ? p - 1f : p);
        }
    }

    /// <summary>
    /// One thread per row, one logit per row, targets 0/1: softplus(z) − y·z added (scaled) to the row's loss slot; when
    /// training, dLogits = Scale · (σ(z) − y).
    /// </summary>
    public static void SigmoidCrossEntropy(Index1D index, ArrayView<float> f, ArrayView<int> ids, SoftmaxArgs s)
    {
        int r = index;
        float z = f[s.Logits + r * s.Stride];
        int y = ids[s.Targets + r * s.TargetStride];
        float loss = Math.Max(z, 0f) - y * z + MathF.Log(1f + MathF.Exp(-Math.Abs(z)));
        f[s.Losses + r] += loss * s.Scale;
        if (s.Output < 0) return;
        f[s.Output + r * s.OutputStride] = s.Scale * (1f / (1f + MathF.Exp(-z)) - y);
    }

    /// <summary>Target[r, c] = ids[Source + r·SourceStride] ≠ 0 ? 1 : 0 (the padding mask of mask_zero).</summary>
    public static void TokenMask(Index1D index, ArrayView<float> f, ArrayView<int> ids, RowsArgs a)
    {
        int i = index;
        int r = i / a.Cols, c = i - r * a.Cols;
        f[a.Target + r * a.TargetStride + c] = ids[a.Source + r * a.SourceStride] != 0 ? 1f : 0f;
    }

    /// <summary>Target[r, c] = 0.</summary>
    public static void Zero(Index1D index, ArrayView<float> f, ArrayView<int> ids, RowsArgs a)
    {
        int i = index;
        int r = i / a.Cols, c = i - r * a.Cols;
        f[a.Target + r * a.TargetStride + c] = 0f;
    }

    /// <summary>Target[r, c] = Source[r, c]; a SourceStride of 0 broadcasts one row (the bias start of C = A·B + b).</summary>
    /// <summary>Target[c, r] = Source[r, c] for a [Rows, Cols] source: one thread per element, writes coalesced.</summary>
    public static void Transpose(Index1D index, ArrayView<float> f, ArrayView<int> ids, RowsArgs a)
    {
        int i = index;
        int c = i / a.Rows, r = i - c * a.Rows;
        f[a.Target + c * a.TargetStride + r] = f[a.Source + r * a.SourceStride + c];
    }

    public static void Copy(Index1D index, ArrayView<float> f, ArrayView<int> ids, RowsArgs a)
    {
        int i = index;
        int r = i / a.Cols, c = i - r * a.Cols;
        f[a.Target + r * a.TargetStride + c] = f[a.Source + r * a.SourceStride + c];
    }
}
