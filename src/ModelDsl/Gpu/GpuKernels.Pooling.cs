using ILGPU;

namespace ModelDsl.Gpu;

/// <summary>
/// Global max or average pooling over the steps of a sequence and its backward (<see cref="GpuKernels.GlobalPool"/>): element
/// (t, b, c) of the input at Input + t·StepStride + b·InputStride + c, the [Batch, Width] output at Output + b·OutputStride + c.
/// Mask (an int-arena offset, or -1 for none): step t of row b counts where ids[Mask + t·MaskStepStride + b·MaskStride] ≠ 0.
/// ArgMax: the chosen steps of a max pool as floats ([Batch, Width] at ArgMaxStride), or -1 when not saved. The D* fields are
/// the backward's: DInput is laid out like the input with its own DStepStride.
/// </summary>
public struct GlobalPoolArgs
{
    public int Input, InputStride, StepStride, Steps, Batch, Width;
    public int Mask, MaskStride, MaskStepStride;
    public int Output, OutputStride, ArgMax, ArgMaxStride;
    /// <summary>1 for a max pool, 0 for an average.</summary>
    public int Max;
    public int DOutput, DOutputStride, DInput, DInputStride, DStepStride, Accumulate;
}

// The pooling kernels: one thread per (b, c), walking the steps in order like the CPU kernels (ModelDsl.Cpu.SequencePooling),
// whose float64 definition is IrInterpreter's. Every output element has exactly one writing thread. The mask is read as the
// attention kernels read padded keys (KeyAllowed).
public static partial class GpuKernels
{
    /// <summary>
    /// One thread per (b, c), index b·Width + c: the max (the first step attaining it; a NaN wins and stays) or the mean of the
    /// counted steps; 0 (and argmax −1) when no step counts.
    /// </summary>
    public static void GlobalPool(Index1D index, ArrayView<float> f, ArrayView<int> ids, GlobalPoolArgs a)
    {
        int i = index;
        int b = i / a.Width, c = i - b * a.Width;
        int x = a.Input + b * a.InputStride + c;
        int counted = 0, chosen = -1;
        float sum = 0f, best = 0f;
        for (int t = 0; t < a.Steps; t++)
        {
            if (!KeyAllowed(ids, a.Mask, a.MaskStride, a.MaskStepStride, b, t)) continue;
            float v = f[x + t * a.StepStride];
            counted++;
            sum += v;
            if (chosen < 0 || v > best || (float.IsNaN(v) && !float.IsNaN(best)))
            {
                best = v;
                chosen = t;
            }
        }
        float result = 0f;
        if (counted > 0) result = a.Max != 0 ? best : sum * (1f / counted);
        f[a.Output + b * a.OutputStride + c] = result;
        if (a.ArgMax >= 0) f[a.ArgMax + b * a.ArgMaxStride + c] = chosen;
    }

    /// <summary>
    /// One thread per (b, c), writing dx at every step: dOut at the saved step of a max pool, dOut/n at each counted step of an
    /// average, else 0; added when Accumulate, else assigned.
    /// </summary>
    public static void GlobalPoolBackward(Index1D index, ArrayView<float> f, ArrayView<int> ids, GlobalPoolArgs a)
    {
        int i = index;
        int b = i / a.Width, c = i - b * a.Width;
        float dOut = f[a.DOutput + b * a.DOutputStride + c];
        int dx = a.DInput + b * a.DInputStride + c;
        float chosen = -1f, scale = 0f;
        if (a.Max != 0)
        {
            chosen = f[a.ArgMax + b * a.ArgMaxStride + c];
        }
        else
        {
            int counted = 0;
            for (int t = 0; t < a.Steps; t++)
                if (KeyAllowed(ids, a.Mask, a.MaskStride, a.MaskStepStride, b, t)) counted++;
            if (counted > 0) scale = 1f / counted;
        }
        for (int t = 0; t < a.Steps; t++)
        {
            float share = 0f;
            if (a.Max != 0)
            {
                if (chosen == t) share = dOut;
            }
            else if (KeyAllowed(ids, a.Mask, a.MaskStride, a.MaskStepStride, b, t))
            {
                share = dOut * scale;
            }
            int at = dx + t * a.DStepStride;
            f[at] = a.Accumulate != 0 ? f[at] + share : share;
        }
    }
}
