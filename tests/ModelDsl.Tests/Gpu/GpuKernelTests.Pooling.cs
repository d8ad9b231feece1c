using ModelDsl.Cpu;
using ModelDsl.Gpu;
using ModelDsl.Ir;

namespace ModelDsl.Tests.Gpu;

// The global pooling kernels against the CPU kernels (whose own oracle is the float64 definition, Cpu/SequencePoolingTests), at a
// tiny size: x read backwards through a negative step stride, a batch-major gradient with its own strides, a row of padding only,
// a tie and NaNs.
public partial class GpuKernelTests
{
    [Theory]
    [InlineData(PoolKind.Max, true, false)]
    [InlineData(PoolKind.Max, false, true)]
    [InlineData(PoolKind.Average, true, true)]
    [InlineData(PoolKind.Average, false, false)]
    public unsafe void Global_pool_forward_and_backward_match_the_cpu_kernels(PoolKind kind, bool masked, bool accumulate)
    {
        const int T = 4, batch = 3, width = 5, row = width + 1;
        // Float arena: x time-major [T, B, row] (step 0 is the last slab), output and argmax [B, width + 2], dOut [B, width],
        // dx batch-major [B, T, width + 3].
        const int x = 0, xBase = (T - 1) * batch * row, stepStride = -batch * row;
        const int output = T * batch * row, outputStride = width + 2, argMax = output + batch * outputStride;
        const int dOut = argMax + batch * outputStride, dx = dOut + batch * width, dxStride = T * (width + 3), dStepStride = width + 3;
        const int total = dx + batch * dxStride;
        var data = Random(total, 31);
        data[xBase + 2 * row + 1] = data[xBase + 2 * stepStride + 2 * row + 1] = 3f; // row 2, column 1: a tie at steps 0 and 2
        data[xBase + stepStride + 2 * row + 3] = float.NaN;                           // row 2, column 3: a NaN at step 1
        data[xBase + row + 4] = float.NaN;                                           // row 1 (padding when masked), column 4
        // Int arena: ids [B, T] after one unused int; row 0's step 0 is padding, row 1 all padding.
        int[] ints = [9, 0, 4, 5, 6, 0, 0, 0, 0, 7, 8, 9, 1];
        const int mask = 1;

        var expected = (float[])data.Clone();
        fixed (float* e = expected)
        fixed (int* m = ints)
        {
            int* maskPointer = masked ? m + mask : null;
            SequencePooling.Forward(kind, e + x + xBase, row, stepStride, maskPointer, T, 1, e + output, outputStride,
                kind == PoolKind.Max ? e + argMax : null, outputStride, batch, T, width);
            SequencePooling.Backward(kind, e + argMax, outputStride, maskPointer, T, 1, e + dOut, width, e + dx, dxStride, dStepStride, batch, T, width, accumulate);
        }

        using var arena = new Arena(data, ints);
        var args = new GlobalPoolArgs
        {
            Max = kind == PoolKind.Max ? 1 : 0, Input = x + xBase, InputStride = row, StepStride = stepStride, Steps = T, Batch = batch, Width = width,
            Mask = masked ? mask : -1, MaskStride = T, MaskStepStride = 1,
            Output = output, OutputStride = outputStride, ArgMax = kind == PoolKind.Max ? argMax : -1, ArgMaxStride = outputStride,
            DOutput = dOut, DOutputStride = width, DInput = dx, DInputStride = dxStride, DStepStride = dStepStride, Accumulate = accumulate ? 1 : 0,
        };
        Device.GlobalPool(arena.F, arena.I, args);
        Device.GlobalPoolBackward(arena.F, arena.I, args);
        var actual = arena.Read();

        for (int i = 0; i < total; i++)
        {
            // Same steps in the same order: a max is exact, a mean differs at most in rounding.
            bool same = float.IsNaN(expected[i]) ? float.IsNaN(actual[i]) : Math.Abs(expected[i] - actual[i]) <= 1e-6 * (1 + Math.Abs(expected[i]));
            if (!same) Assert.Fail($"pooling arena[{i}]: {actual[i]} vs the CPU kernel's {expected[i]}");
        }
        if (kind == PoolKind.Max)
        {
            Assert.Equal(0f, actual[argMax + 2 * outputStride + 1]);
            Assert.Equal(1f, actual[argMax + 2 * outputStride + 3]);
            Assert.Equal(masked ? -1f : 0f, actual[argMax + outputStride + 4]);
        }
    }
}
