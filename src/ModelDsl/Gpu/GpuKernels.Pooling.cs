using ILGPU;

namespace ModelDsl.Gpu;

/// <summary>The operands of the pooling kernels: arena offsets and strides, in the CPU kernels' order (<see cref="Cpu.SequencePooling"/>); Mask and ArgMax −1 when absent.</summary>
public struct PoolArgs
{
    public int X, RowStride, StepStride, Steps, Rows, Cols, Output, OutputStride, Kind, Mask, MaskStride, MaskStepStride, ArgMax, ArgMaxStride;
    public int DOutput, DOutputStride, Accumulate;
}

// Global max/average pooling over the steps (GlobalPoolOp): one thread per (row, column), walking the steps. The
// definition is IrInterpreter's; Cpu.SequencePooling computes the same.
public static partial class GpuKernels
{
    public static void GlobalPool(Index1D index, ArrayView<float> f, ArrayView<int> ids, PoolArgs a)
    {
        int b = index / a.Cols, c = index - b * a.Cols;
        float best = 0f, sum = 0f;
        int chosen = -1, counted = 0;
        for (int t = 0; t < a.Steps; t++)
        {
            if (a.Mask >= 0 && ids[a.Mask + t * a.MaskStepStride + b * a.MaskStride] == 0) continue;
            float v = f[a.X + t * a.StepStride + b * a.RowStride + c];
            counted++;
            sum += v;
            if (chosen < 0 || v > best || (float.IsNaN(v) && !float.IsNaN(best)))
            {
                best = v;
                chosen = t;
            }
        }
        f[a.Output + b * a.OutputStride + c] = counted == 0 ? 0f : a.Kind == 0 ? best : sum * (1f / counted);
        if (a.ArgMax >= 0) f[a.ArgMax + b * a.ArgMaxStride + c] = chosen;
    }

    public static void GlobalPoolBackward(Index1D index, ArrayView<float> f, ArrayView<int> ids, PoolArgs a)
    {
        int b = index / a.Cols, c = index - b * a.Cols;
        float d = f[a.DOutput + b * a.DOutputStride + c];
        int counted = 0;
        if (a.Kind == 1)
            for (int t = 0; t < a.Steps; t++)
                if (a.Mask < 0 || ids[a.Mask + t * a.MaskStepStride + b * a.MaskStride] != 0) counted++;
        float scale = counted == 0 ? 0f : 1f / counted;
        int chosen = a.Kind == 0 ? (int)f[a.ArgMax + b * a.ArgMaxStride + c] : -1;
        for (int t = 0; t < a.Steps; t++)
        {
            float share;
            if (a.Kind == 0) share = t == chosen ? d : 0f;
            else share = a.Mask < 0 || ids[a.Mask + t * a.MaskStepStride + b * a.MaskStride] != 0 ? d * scale : 0f;
            int o = a.X + t * a.StepStride + b * a.RowStride + c;
            f[o] = a.Accumulate != 0 ? f[o] + share : share;
        }
    }
}
