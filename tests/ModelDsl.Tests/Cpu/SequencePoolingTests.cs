using ModelDsl.Cpu;
using Xunit;

namespace ModelDsl.Tests.Cpu;

/// <summary>
/// The pooling kernels against a plain reference written here from the definition (max or mean over the steps whose
/// mask id is not 0; the first max wins; a NaN wins; a row with no real step gives 0), on strided, reversed and masked
/// layouts, and the backward against the same definition.
/// </summary>
public sealed unsafe class SequencePoolingTests
{
    [Theory]
    [InlineData(0, false, 1)]
    [InlineData(0, true, 3)]
    [InlineData(1, false, 16)]
    [InlineData(1, true, 37)]
    [InlineData(0, true, 24)]
    public void Forward_and_backward_match_the_definition(int kind, bool masked, int cols)
    {
        const int steps = 5, rows = 4;
        int rowStride = cols + 2, stepStride = rows * rowStride;
        var rng = new Random(kind * 100 + cols);
        var x = new float[steps * stepStride];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        // Row 1 ties at its first two steps; row 2 has a NaN; row 3 is all padding when masked.
        for (int c = 0; c < cols; c++) x[stepStride + rowStride + c] = x[rowStride + c] = 5f;
        x[3 * stepStride + 2 * rowStride] = float.NaN;
        var ids = new int[rows * steps]; // [B, T] row-major: id (t, b) at b·T + t
        for (int i = 0; i < ids.Length; i++) ids[i] = masked && (i % 3 == 1 || i / steps == 3) ? 0 : 1 + i;

        var output = new float[rows * cols];
        var argMax = new float[rows * cols];
        var dOut = new float[rows * cols];
        for (int i = 0; i < dOut.Length; i++) dOut[i] = (float)rng.NextDouble();
        var dx = new float[x.Length];
        fixed (float* px = x, po = output, pa = argMax, pd = dOut, pdx = dx)
        fixed (int* pm = ids)
        {
            SequencePooling.Forward(px, rowStride, stepStride, steps, rows, cols, po, cols, kind, masked ? pm : null, steps, 1, kind == 0 ? pa : null, cols);
            SequencePooling.Backward(pd, cols, pdx, rowStride, stepStride, steps, rows, cols, kind, masked ? pm : null, steps, 1, kind == 0 ? pa : null, cols, accumulate: false);
        }

        for (int b = 0; b < rows; b++)
        {
            for (int c = 0; c < cols; c++)
            {
                double best = 0, sum = 0;
                int chosen = -1, n = 0;
                for (int t = 0; t < steps; t++)
                {
                    if (masked && ids[b * steps + t] == 0) continue;
                    double v = x[t * stepStride + b * rowStride + c];
                    n++;
                    sum += v;
                    if (chosen < 0 || v > best || (double.IsNaN(v) && !double.IsNaN(best))) { best = v; chosen = t; }
                }
                double expected = n == 0 ? 0 : kind == 0 ? best : sum / n;
                double actual = output[b * cols + c];
                if (double.IsNaN(expected)) Assert.True(float.IsNaN(output[b * cols + c]), $"row {b} col {c}: NaN expected");
                else Assert.True(Math.Abs(actual - expected) <= 1e-6 + 1e-5 * Math.Abs(expected), $"row {b} col {c}: {actual} vs {expected}");
                if (kind == 0) Assert.Equal(chosen, (int)argMax[b * cols + c]);
                if (b == 1 && !masked && kind == 0) Assert.Equal(0, chosen); // ties: the first step

                for (int t = 0; t < steps; t++)
                {
                    bool counts = !masked || ids[b * steps + t] != 0;
                    double share = kind == 0 ? (t == chosen ? dOut[b * cols + c] : 0) : counts && n > 0 ? dOut[b * cols + c] / n : 0;
                    Assert.True(Math.Abs(dx[t * stepStride + b * rowStride + c] - share) <= 1e-6, $"dx step {t} row {b} col {c}");
                }
            }
        }
    }

    [Fact]
    public void Backward_accumulates_and_reads_reversed_steps()
    {
        // A negative step stride (a backward direction's layout): step t at base + t·stride with stride < 0.
        const int steps = 3, rows = 2, cols = 5, stride = -rows * cols;
        var x = new float[steps * rows * cols];
        for (int i = 0; i < x.Length; i++) x[i] = i % 7 - 3;
        var output = new float[rows * cols];
        var dx = new float[x.Length];
        Array.Fill(dx, 1f);
        var dOut = new float[rows * cols];
        Array.Fill(dOut, 3f);
        fixed (float* px = x, po = output, pd = dOut, pdx = dx)
        {
            float* last = px + (steps - 1) * rows * cols;
            SequencePooling.Forward(last, cols, stride, steps, rows, cols, po, cols, 1, null, 0, 0, null, 0);
            SequencePooling.Backward(pd, cols, pdx + (steps - 1) * rows * cols, cols, stride, steps, rows, cols, 1, null, 0, 0, null, 0, accumulate: true);
        }
        for (int b = 0; b < rows; b++)
            for (int c = 0; c < cols; c++)
            {
                double mean = 0;
                for (int t = 0; t < steps; t++) mean += x[t * rows * cols + b * cols + c];
                Assert.Equal(mean / steps, output[b * cols + c], 5);
            }
        Assert.All(dx, v => Assert.Equal(2f, v, 5)); // 1 + 3/3
    }
}
