using ILGPU;
using ILGPU.Runtime;
using ModelDsl.Gpu;
using ModelDsl.Numerics;

namespace ModelDsl.Tests.Gpu;

/// <summary>Each library kernel on the emulator against a plain host loop (its reference), at tiny, odd sizes.</summary>
[Collection(GpuEmulatorCollection.Name)]
public partial class GpuKernelTests : IClassFixture<GpuKernelTests.WideEmulator>
{
    private readonly WideEmulator _wide;

    public GpuKernelTests(WideEmulator wide) => _wide = wide;

    private static GpuDevice Device => GpuDevice.Get(emulator: true);

    /// <summary>An emulator that allows groups of 256 threads, so the GPU's 16 × 16 GEMM tile runs too (slowly: few launches).</summary>
    public sealed class WideEmulator : IDisposable
    {
        public GpuDevice Device { get; } = GpuDevice.CreateEmulator(16, 16, 1);
        public void Dispose() => Device.Dispose();
    }

    /// <summary>A float arena and an int arena on the device, filled from host arrays and read back.</summary>
    private sealed class Arena : IDisposable
    {
        private readonly MemoryBuffer1D<float, Stride1D.Dense> _floats;
        private readonly MemoryBuffer1D<int, Stride1D.Dense> _ints;

        private readonly GpuDevice _device;

        public Arena(float[] floats, int[]? ints = null, GpuDevice? device = null)
        {
            _device = device ?? Device;
            _floats = _device.Accelerator.Allocate1D(floats);
            _ints = _device.Accelerator.Allocate1D(ints ?? new int[1]);
        }

        public ArrayView<float> F => _floats.View;
        public ArrayView<int> I => _ints.View;

        public float[] Read()
        {
            _device.Accelerator.Synchronize();
            return _floats.GetAsArray1D();
        }

        public int[] ReadInts()
        {
            _device.Accelerator.Synchronize();
            return _ints.GetAsArray1D();
        }

        public void Dispose()
        {
            _floats.Dispose();
            _ints.Dispose();
        }
    }

    private static float[] Random(int n, ulong seed)
    {
        var rng = new Rng(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}[{i}]: {actual[i]} vs reference {expected[i]}");
    }

    public static TheoryData<bool, bool, int, int, int, bool, bool> GemmCases => new()
    {
        // M, N, K straddle the 16-wide tile; every transpose combination, plain, accumulating and with a bias.
        { false, false, 5, 17, 19, false, false },
        { true, false, 17, 3, 33, true, false },
        { false, true, 1, 20, 7, false, true },
        { true, true, 18, 9, 16, true, false },
        { false, true, 33, 2, 1, false, false },
        { true, false, 4, 16, 17, false, true },
    };

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void Gemm_matches_the_plain_product(bool transA, bool transB, int m, int n, int k, bool accumulate, bool bias)
    {
        // Windows with strides wider than their rows, at offsets, inside one arena: as the programs use them.
        int aRows = transA ? k : m, aCols = transA ? m : k, lda = aCols + 2;
        int bRows = transB ? n : k, bCols = transB ? k : n, ldb = bCols + 1;
        int ldc = n + 3;
        int aOff = 5, bOff = aOff + aRows * lda + 1, cOff = bOff + bRows * ldb + 2, biasOff = cOff + m * ldc;
        var data = Random(biasOff + n + 4, (ulong)(m * 1000 + n * 10 + k));
        var expected = (float[])data.Clone();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? data[aOff + p * lda + i] : data[aOff + i * lda + p];
                    double bv = transB ? data[bOff + j * ldb + p] : data[bOff + p * ldb + j];
                    acc += av * bv;
                }
                if (bias) acc += data[biasOff + j];
                int o = cOff + i * ldc + j;
                expected[o] = (float)(accumulate ? data[o] + acc : acc);
            }
        var args = new GemmArgs
        {
            M = m, N = n, K = k, A = aOff, Lda = lda, B = bOff, Ldb = ldb, C = cOff, Ldc = ldc,
            TransA = transA ? 1 : 0, TransB = transB ? 1 : 0, Accumulate = accumulate ? 1 : 0, Bias = bias ? biasOff : -1,
        };
        foreach (var device in new[] { Device, _wide.Device })
        {
            using var arena = new Arena(data, device: device);
            device.Gemm(arena.F, args);
            AssertClose(expected, arena.Read(), 1e-5, "C (tile " + device.GemmTile + ")");
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Gather_rows_reads_table_rows_by_id(bool accumulate, bool bias)
    {
        const int vocab = 6, cols = 5, tableStride = 7, rows = 4, outStride = 6, idStride = 3;
        int tableOff = 0, biasOff = vocab * tableStride, outOff = biasOff + cols + 1;
        var data = Random(outOff + rows * outStride, 3);
        var ids = new[] { 9, 2, 0, 0, 5, 0, 0, 2, 0, 0, 4, 0 }; // ids at 1, 4, 7, 10 (stride 3, offset 1)
        var expected = (float[])data.Clone();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                float v = data[tableOff + ids[1 + r * idStride] * tableStride + c];
                if (bias) v += data[biasOff + c];
                int o = outOff + r * outStride + c;
                expected[o] = accumulate ? data[o] + v : v;
            }
        using var arena = new Arena(data, ids);
        Device.GatherRows(arena.F, arena.I, new GatherRowsArgs
        {
            Table = tableOff, TableStride = tableStride, Ids = 1, IdStride = idStride, Rows = rows, Cols = cols,
            Output = outOff, OutputStride = outStride, Bias = bias ? biasOff : -1, Accumulate = accumulate ? 1 : 0, Steps = 1,
        });
        AssertClose(expected, arena.Read(), 1e-6, "output");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gather_rows_runs_every_step_of_a_time_loop_in_one_launch(bool backwards)
    {
        // 3 steps of 4 rows × 5 columns; step s: ids at 2·s + 7·r, bias row s of a table of rows, output block s (or 2 − s,
        // walking time backwards with a negative stride, as the backward direction of a bidirectional layer does).
        const int steps = 3, rows = 4, cols = 5, vocab = 6, tableStride = 5, outStride = 6;
        int tableOff = 0, biasOff = vocab * tableStride, outOff = biasOff + steps * cols;
        int outTimeStride = rows * outStride;
        var data = Random(outOff + steps * outTimeStride, 8);
        var ids = new int[2 * steps + 7 * rows];
        var rng = new System.Random(4);
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.Next(vocab);
        var expected = (float[])data.Clone();
        int outBase = backwards ? outOff + (steps - 1) * outTimeStride : outOff;
        int outStep = backwards ? -outTimeStride : outTimeStride;
        for (int s = 0; s < steps; s++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    expected[outBase + s * outStep + r * outStride + c] = data[tableOff + ids[2 * s + 7 * r] * tableStride + c] + data[biasOff + s * cols + c];
        using var arena = new Arena(data, ids);
        Device.GatherRows(arena.F, arena.I, new GatherRowsArgs
        {
            Table = tableOff, TableStride = tableStride, Ids = 0, IdStride = 7, Rows = rows, Cols = cols, Output = outBase, OutputStride = outStride,
            Bias = biasOff, Accumulate = 0, Steps = steps, IdTimeStride = 2, OutputTimeStride = outStep, BiasTimeStride = cols,
        });
        AssertClose(expected, arena.Read(), 1e-6, "output");
    }

    [Fact]
    public void Scatter_add_into_a_row_that_holds_nan_keeps_nan_and_finishes()
    {
        // ILGPU's CPU float atomic spins for ever once its target is NaN; GpuKernels.AtomicAdd swaps bit patterns instead there.
        const int rows = 4, cols = 2, vocab = 2;
        var data = new float[vocab * cols + rows * cols];
        data[0] = float.NaN;
        for (int i = vocab * cols; i < data.Length; i++) data[i] = 1f;
        var ids = new[] { 0, 0, 1, 0 }; // id 0 three times: three adds onto the NaN
        using var arena = new Arena(data, ids);
        Device.ScatterAddRows(arena.F, arena.I, new ScatterAddRowsArgs
        {
            Source = vocab * cols, SourceStride = cols, Ids = 0, IdStride = 1, Rows = rows, Cols = cols, Table = 0, TableStride = cols, Steps = 1,
        });
        var result = arena.Read();
        Assert.True(float.IsNaN(result[0]));
        Assert.Equal(3f, result[1]);
        Assert.Equal(1f, result[2]);
        Assert.Equal(1f, result[3]);
    }

    [Fact]
    public void Scatter_add_rows_adds_every_step_of_a_time_loop()
    {
        const int steps = 4, rows = 3, cols = 2, sourceStride = 3, tableStride = 2, vocab = 3;
        int tableOff = 0, sourceOff = vocab * tableStride, sourceTimeStride = rows * sourceStride;
        var data = Random(sourceOff + steps * sourceTimeStride, 9);
        var ids = new int[steps * rows];
        var rng = new System.Random(6);
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.Next(vocab);
        var expected = (float[])data.Clone();
        for (int s = 0; s < steps; s++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    expected[tableOff + ids[s * rows + r] * tableStride + c] += data[sourceOff + s * sourceTimeStride + r * sourceStride + c];
        using var arena = new Arena(data, ids);
        Device.ScatterAddRows(arena.F, arena.I, new ScatterAddRowsArgs
        {
            Source = sourceOff, SourceStride = sourceStride, Ids = 0, IdStride = 1, Rows = rows, Cols = cols, Table = tableOff, TableStride = tableStride,
            Steps = steps, SourceTimeStride = sourceTimeStride, IdTimeStride = rows,
        });
        AssertClose(expected, arena.Read(), 1e-5, "table");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Step_column_sums_sum_each_step_into_its_own_row(bool accumulate)
    {
        const int steps = 3, rows = 5, cols = 4, stride = 6;
        int sumsOff = steps * rows * stride, sumsTimeStride = cols + 1;
        var data = Random(sumsOff + steps * sumsTimeStride, 10);
        var expected = (float[])data.Clone();
        for (int s = 0; s < steps; s++)
            for (int c = 0; c < cols; c++)
            {
                double acc = 0;
                for (int r = 0; r < rows; r++) acc += data[s * rows * stride + r * stride + c];
                int o = sumsOff + s * sumsTimeStride + c;
                expected[o] = (float)(accumulate ? data[o] + acc : acc);
            }
        using var arena = new Arena(data);
        Device.StepColumnSums(arena.F, new ColumnSumsArgs
        {
            Source = 0, Rows = rows, Cols = cols, Stride = stride, Sums = sumsOff, Accumulate = accumulate ? 1 : 0,
            Steps = steps, SourceTimeStride = rows * stride, SumsTimeStride = sumsTimeStride,
        });
        AssertClose(expected, arena.Read(), 1e-5, "sums");
    }

    [Fact]
    public void Scatter_add_rows_sums_repeated_ids()
    {
        const int rows = 7, cols = 3, sourceStride = 4, tableStride = 5, vocab = 4;
        int tableOff = 2, sourceOff = tableOff + vocab * tableStride;
        var data = Random(sourceOff + rows * sourceStride, 4);
        var ids = new[] { 1, 3, 1, 1, 0, 3, 1 }; // id 1 four times: the atomic adds collide
        var expected = (float[])data.Clone();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                expected[tableOff + ids[r] * tableStride + c] += data[sourceOff + r * sourceStride + c];
        using var arena = new Arena(data, ids);
        Device.ScatterAddRows(arena.F, arena.I, new ScatterAddRowsArgs
        {
            Source = sourceOff, SourceStride = sourceStride, Ids = 0, IdStride = 1, Rows = rows, Cols = cols, Table = tableOff, TableStride = tableStride, Steps = 1,
        });
        AssertClose(expected, arena.Read(), 1e-5, "table");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Column_sums_add_down_the_rows(bool accumulate)
    {
        Column_sums_match(9, accumulate);   // one chunk: one thread per column
        Column_sums_match(200, accumulate); // four chunks, the last one partial: the two-stage path
    }

    private static void Column_sums_match(int rows, bool accumulate)
    {
        const int cols = 19, stride = 21;
        int sumsOff = rows * stride;
        var data = Random(sumsOff + cols, 5);
        var expected = (float[])data.Clone();
        for (int c = 0; c < cols; c++)
        {
            double acc = 0;
            for (int r = 0; r < rows; r++) acc += data[r * stride + c];
            expected[sumsOff + c] = (float)(accumulate ? data[sumsOff + c] + acc : acc);
        }
        using var arena = new Arena(data);
        Device.ColumnSums(arena.F, new ColumnSumsArgs { Source = 0, Rows = rows, Cols = cols, Stride = stride, Sums = sumsOff, Accumulate = accumulate ? 1 : 0 });
        AssertClose(expected, arena.Read(), 1e-5, "sums");
    }

    [Fact]
    public void Softmax_normalises_each_row()
    {
        const int rows = 3, cols = 11, stride = 13, outStride = 12;
        int outOff = rows * stride;
        var data = Random(outOff + rows * outStride, 6);
        for (int i = 0; i < rows * stride; i++) data[i] *= 30; // large logits: the max shift matters
        var expected = (float[])data.Clone();
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < cols; c++) max = Math.Max(max, data[r * stride + c]);
            for (int c = 0; c < cols; c++) sum += Math.Exp(data[r * stride + c] - max);
            for (int c = 0; c < cols; c++) expected[outOff + r * outStride + c] = (float)(Math.Exp(data[r * stride + c] - max) / sum);
        }
        using var arena = new Arena(data);
        Device.Softmax(arena.F, new SoftmaxArgs { Logits = 0, Rows = rows, Cols = cols, Stride = stride, Output = outOff, OutputStride = outStride });
        AssertClose(expected, arena.Read(), 1e-5, "probabilities");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Softmax_cross_entropy_writes_row_losses_and_the_logit_gradient(bool training)
    {
        const int rows = 4, cols = 9, stride = 10, dStride = 9;
        int dOff = rows * stride, lossOff = dOff + rows * dStride;
        var data = Random(lossOff + rows, 7);
        for (int i = 0; i < rows * stride; i++) data[i] *= 8;
        for (int r = 0; r < rows; r++) data[lossOff + r] = 0;
        var targets = new[] { 3, 0, 8, 3 };
        var expected = (float[])data.Clone();
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < cols; c++) max = Math.Max(max, data[r * stride + c]);
            for (int c = 0; c < cols; c++) sum += Math.Exp(data[r * stride + c] - max);
            double logSum = Math.Log(sum) + max;
            double loss = logSum - data[r * stride + targets[r]];
            total += loss;
            expected[lossOff + r] = (float)(loss / rows);
            if (training)
                for (int c = 0; c < cols; c++)
                    expected[dOff + r * dStride + c] = (float)((Math.Exp(data[r * stride + c] - logSum) - (c == targets[r] ? 1 : 0)) / rows);
        }
        using var arena = new Arena(data, targets);
        Device.SoftmaxCrossEntropy(arena.F, arena.I, new SoftmaxArgs
        {
            Logits = 0, Rows = rows, Cols = cols, Stride = stride, Output = training ? dOff : -1, OutputStride = dStride,
            Targets = 0, TargetStride = 1, Losses = lossOff, Scale = 1f / rows,
        });
        var actual = arena.Read();
        AssertClose(expected, actual, 1e-5, "losses and dLogits");
        Assert.Equal(total / rows, actual.Skip(lossOff).Sum(v => (double)v), 5);
    }

    [Fact]
    public void Zero_copy_and_broadcast_touch_only_their_windows()
    {
        const int rows = 3, cols = 5;
        var data = Random(80, 8);
        var expected = (float[])data.Clone();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                expected[1 + r * 7 + c] = 0;                     // zero: offset 1, stride 7
                expected[42 + r * 6 + c] = data[20 + r * 8 + c]; // copy: offset 20, stride 8 → offset 42, stride 6
            }
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 4; c++)
                expected[64 + r * 5 + c] = data[20 + c];         // broadcast (source stride 0): row 20 → offset 64, stride 5
        using var arena = new Arena(data);
        Device.Zero(arena.F, 1, rows, cols, 7);
        Device.Copy(arena.F, 20, 8, 42, 6, rows, cols);
        Device.Copy(arena.F, 20, 0, 64, 5, 2, 4);
        AssertClose(expected, arena.Read(), 0, "zero, copy and broadcast");
    }
}
