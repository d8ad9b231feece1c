using ModelDsl.Cpu;
using Xunit;

namespace ModelDsl.Tests.Cpu;

/// <summary>RowKernels against naive double references; the cross-entropy gradient also against finite differences.</summary>
public sealed unsafe class RowKernelsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GatherRowsCopiesOrAddsTableRows(bool accumulate)
    {
        const int vocab = 11, cols = 37, tableStride = 40, rows = 9, outStride = 39, idStride = 2;
        var table = PinnedBuffer<float>.Random(vocab * tableStride, 1);
        var output = PinnedBuffer<float>.Random(rows * outStride, 2);
        var before = (float[])output.Array.Clone();
        var ids = Ids(rows * idStride, vocab, 3);

        RowKernels.GatherRows(table.Pointer, tableStride, ids.Pointer, idStride, rows, cols, output.Pointer, outStride, accumulate);

        for (int r = 0; r < rows; r++)
            for (int c = 0; c < outStride; c++)
            {
                int at = r * outStride + c;
                float expected = c >= cols ? before[at]
                    : table.Array[ids.Array[r * idStride] * tableStride + c] + (accumulate ? before[at] : 0f);
                Assert.Equal(expected, output.Array[at]);
            }
    }

    [Fact]
    public void ScatterAddRowsAccumulatesRepeatedIds()
    {
        const int vocab = 5, cols = 33, tableStride = 35, rows = 40, outStride = 34;
        var dOut = PinnedBuffer<float>.Random(rows * outStride, 1);
        var dTable = PinnedBuffer<float>.Random(vocab * tableStride, 2);
        var expected = Array.ConvertAll(dTable.Array, x => (double)x);
        var ids = Ids(rows, vocab, 4);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) expected[ids.Array[r] * tableStride + c] += dOut.Array[r * outStride + c];

        RowKernels.ScatterAddRows(dOut.Pointer, outStride, ids.Pointer, 1, rows, cols, dTable.Pointer, tableStride);
        GC.KeepAlive(dOut);
        GC.KeepAlive(ids);

        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], dTable.Array[i], 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ColumnSumsAreBiasGradients(bool accumulate)
    {
        const int rows = 50, cols = 57, stride = 60;
        var x = PinnedBuffer<float>.Random(rows * stride, 1);
        var sums = PinnedBuffer<float>.Random(cols, 2);
        var expected = new double[cols];
        for (int c = 0; c < cols; c++)
        {
            expected[c] = accumulate ? sums.Array[c] : 0;
            for (int r = 0; r < rows; r++) expected[c] += x.Array[r * stride + c];
        }

        RowKernels.ColumnSums(x.Pointer, rows, cols, stride, sums.Pointer, accumulate);
        GC.KeepAlive(x);

        for (int c = 0; c < cols; c++) Assert.Equal(expected[c], sums.Array[c], 1e-5);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(5, 57)]
    [InlineData(4, 130)]
    public void SoftmaxMatchesDoubleReference(int rows, int cols)
    {
        int stride = cols + 3;
        var logits = PinnedBuffer<float>.Random(rows * stride, cols, scale: 20f);
        var probs = new PinnedBuffer<float>(rows * stride);

        RowKernels.Softmax(logits.Pointer, rows, cols, stride, probs.Pointer, stride);
        for (int r = 0; r < rows; r++)
        {
            var expected = SoftmaxDouble(Row(logits, r, stride, cols));
            for (int c = 0; c < cols; c++)
                Assert.True(Math.Abs(probs.Array[r * stride + c] - expected[c]) <= 1e-6 * expected[c] + 1e-12, $"row {r} col {c}");
        }

        // In place gives the same values.
        RowKernels.Softmax(logits.Pointer, rows, cols, stride, logits.Pointer, stride);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) Assert.Equal(probs.Array[r * stride + c], logits.Array[r * stride + c]);
    }

    [Theory]
    [InlineData(4, 57, 1f)]
    [InlineData(3, 5, 0.25f)]
    [InlineData(2, 130, 1f)]
    public void SoftmaxCrossEntropyMatchesDoubleLossAndGradient(int rows, int cols, float scale)
    {
        int stride = cols + 1, dStride = cols + 2;
        var logits = PinnedBuffer<float>.Random(rows * stride, rows + cols, scale: 5f);
        var targets = Ids(rows * 2, cols, 9);
        var dLogits = new PinnedBuffer<float>(rows * dStride);

        double loss = RowKernels.SoftmaxCrossEntropy(logits.Pointer, rows, cols, stride, targets.Pointer, 2,
            dLogits.Pointer, dStride, scale);
        double lossOnly = RowKernels.SoftmaxCrossEntropy(logits.Pointer, rows, cols, stride, targets.Pointer, 2, null, 0, scale);

        double expectedLoss = 0;
        for (int r = 0; r < rows; r++)
        {
            var x = Row(logits, r, stride, cols);
            int target = targets.Array[r * 2];
            expectedLoss += LossDouble(x, target);
            var p = SoftmaxDouble(x);
            for (int c = 0; c < cols; c++)
            {
                // Analytic gradient against central finite differences of the double loss (h = 1e-5).
                double h = 1e-5;
                x[c] += h; double up = LossDouble(x, target);
                x[c] -= 2 * h; double down = LossDouble(x, target);
                x[c] += h;
                double numeric = scale * (up - down) / (2 * h);
                double analytic = scale * (p[c] - (c == target ? 1 : 0));
                Assert.True(Math.Abs(numeric - analytic) <= 1e-7, $"finite difference r={r} c={c}: {numeric} vs {analytic}");
                Assert.True(Math.Abs(dLogits.Array[r * dStride + c] - numeric) <= 2e-6, $"dLogits r={r} c={c}: {dLogits.Array[r * dStride + c]} vs {numeric}");
            }
        }
        Assert.Equal(expectedLoss, loss, 1e-5 * rows);
        Assert.Equal(loss, lossOnly, 1e-9);
    }

    [Fact]
    public void SoftmaxCrossEntropyIsStableForHugeLogitsAndMayRunInPlace()
    {
        const int cols = 20;
        var logits = new PinnedBuffer<float>(cols);
        for (int c = 0; c < cols; c++) logits.Array[c] = 1000f + c;
        var targets = new PinnedBuffer<int>(1);
        targets.Array[0] = cols - 1;
        double expected = LossDouble(Row(logits, 0, cols, cols), cols - 1);

        double loss = RowKernels.SoftmaxCrossEntropy(logits.Pointer, 1, cols, cols, targets.Pointer, 1, logits.Pointer, cols, 1f);
        GC.KeepAlive(targets);

        Assert.Equal(expected, loss, 1e-5);
        Assert.All(logits.Array, g => Assert.True(float.IsFinite(g)));
        Assert.Equal(0.0, logits.Array.Sum(g => (double)g), 1e-6); // softmax − onehot sums to zero
    }

    private static PinnedBuffer<int> Ids(int count, int vocab, int seed)
    {
        var ids = new PinnedBuffer<int>(count);
        var random = new Random(seed);
        for (int i = 0; i < count; i++) ids.Array[i] = random.Next(vocab);
        return ids;
    }

    private static double[] Row(PinnedBuffer<float> x, int r, int stride, int cols)
        => Enumerable.Range(0, cols).Select(c => (double)x.Array[r * stride + c]).ToArray();

    private static double[] SoftmaxDouble(double[] x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static double LossDouble(double[] x, int target)
    {
        double max = x.Max();
        return max + Math.Log(x.Sum(v => Math.Exp(v - max))) - x[target];
    }
}
