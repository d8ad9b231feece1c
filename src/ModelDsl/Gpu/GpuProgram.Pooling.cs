namespace ModelDsl.Gpu;

// Global pooling as the generated code calls it: arena offsets and strides in the CPU kernels' order
// (ModelDsl.Cpu.SequencePooling); a mask or argMax offset of -1 means none.
public abstract partial class GpuProgram
{
    protected void GlobalPool(int x, int rowStride, int stepStride, int steps, int rows, int cols, int output, int outputStride,
        int kind, int mask, int maskStride, int maskStepStride, int argMax, int argMaxStride) =>
        Device.GlobalPool(Floats, Ints, new PoolArgs
        {
            X = x, RowStride = rowStride, StepStride = stepStride, Steps = steps, Rows = rows, Cols = cols, Output = output, OutputStride = outputStride,
            Kind = kind, Mask = mask, MaskStride = maskStride, MaskStepStride = maskStepStride, ArgMax = argMax, ArgMaxStride = argMaxStride,
        });

    protected void GlobalPoolBackward(int dOutput, int dOutputStride, int dx, int rowStride, int stepStride, int steps, int rows, int cols,
        int kind, int mask, int maskStride, int maskStepStride, int argMax, int argMaxStride, bool accumulate) =>
        Device.GlobalPoolBackward(Floats, Ints, new PoolArgs
        {
            DOutput = dOutput, DOutputStride = dOutputStride, X = dx, RowStride = rowStride, StepStride = stepStride, Steps = steps, Rows = rows, Cols = cols,
            Kind = kind, Mask = mask, MaskStride = maskStride, MaskStepStride = maskStepStride, ArgMax = argMax, ArgMaxStride = argMaxStride,
            Accumulate = accumulate ? 1 : 0,
        });
}
