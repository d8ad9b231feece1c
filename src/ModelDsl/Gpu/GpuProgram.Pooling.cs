using ModelDsl.Ir;

namespace ModelDsl.Gpu;

// Global pooling as the generated code calls it: arena offsets and strides in the CPU kernels' argument order
// (ModelDsl.Cpu.SequencePooling). A mask offset of -1 means every step counts; an argMax offset of -1 means none is saved.
public abstract partial class GpuProgram
{
    protected void GlobalPool(PoolKind kind, int x, int xStride, int stepStride, int mask, int maskStride, int maskStepStride,
        int output, int outputStride, int argMax, int argMaxStride, int batch, int steps, int width) =>
        Device.GlobalPool(Floats, Ints, new GlobalPoolArgs
        {
            Max = kind == PoolKind.Max ? 1 : 0, Input = x, InputStride = xStride, StepStride = stepStride,
            Mask = mask, MaskStride = maskStride, MaskStepStride = maskStepStride,
            Output = output, OutputStride = outputStride, ArgMax = argMax, ArgMaxStride = argMaxStride, Batch = batch, Steps = steps, Width = width,
        });

    /// <summary>dx at every step (assigned, or added when <paramref name="accumulate"/>).</summary>
    protected void GlobalPoolBackward(PoolKind kind, int argMax, int argMaxStride, int mask, int maskStride, int maskStepStride,
        int dOutput, int dOutputStride, int dx, int dxStride, int dStepStride, int batch, int steps, int width, bool accumulate) =>
        Device.GlobalPoolBackward(Floats, Ints, new GlobalPoolArgs
        {
            Max = kind == PoolKind.Max ? 1 : 0, ArgMax = argMax, ArgMaxStride = argMaxStride,
            Mask = mask, MaskStride = maskStride, MaskStepStride = maskStepStride,
            DOutput = dOutput, DOutputStride = dOutputStride, DInput = dx, DInputStride = dxStride, DStepStride = dStepStride,
            Batch = batch, Steps = steps, Width = width, Accumulate = accumulate ? 1 : 0,
        });
}
