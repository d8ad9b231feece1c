#nullable enable
namespace ModelDsl.Ir
{
    public enum PoolKind { Max = 0, Average = 1 }

    /// <summary>
    /// out[b, c] = the max or the mean over the steps t in [0, Steps) whose mask id is not 0 of x[t, b, c] (Keras
    /// GlobalMaxPooling1D / GlobalAveragePooling1D with a mask). Element (t, b, c) of the input is at
    /// Input.Offset + t·StepStride + b·Input.RowStride + c (Input is step 0's [B, W] view, not time-indexed); mask id (t, b)
    /// at Mask.Offset + t·MaskStepStride + b·Mask.Stride (null: every step counts). A row with no counted step gives 0. Max:
    /// the first step attaining it wins, a NaN wins (so non-finite checks see it), and <see cref="ArgMax"/> (training only)
    /// receives the chosen step as a float (−1 for a row with no counted step).
    /// </summary>
    public sealed class GlobalPoolOp : Op
    {
        public GlobalPoolOp(View input, Size stepStride, int steps, View output, PoolKind kind, IdView? mask, Size maskStepStride, View? argMax)
        {
            Input = input; StepStride = stepStride; Steps = steps; Output = output; Kind = kind; Mask = mask; MaskStepStride = maskStepStride; ArgMax = argMax;
        }

        public View Input { get; }
        public Size StepStride { get; }
        public int Steps { get; }
        public View Output { get; }
        public PoolKind Kind { get; }
        public IdView? Mask { get; }
        public Size MaskStepStride { get; }
        public View? ArgMax { get; }

        public override string ToString() =>
            "pool " + Kind + " " + Input + "/" + StepStride + "x" + Steps + " -> " + Output + " mask " + (Mask?.ToString() ?? "-") + "/" + MaskStepStride + " arg " + (ArgMax?.ToString() ?? "-");
    }

    /// <summary>
    /// dx[t, b, c] (+)= dOut[b, c] where t is the chosen step (Max), or dOut[b, c]/n for each of the n counted steps
    /// (Average); every other step gets 0 (or nothing, accumulating). DInput is laid out like the forward's input, step 0's
    /// view with its own step stride.
    /// </summary>
    public sealed class GlobalPoolBackwardOp : Op
    {
        public GlobalPoolBackwardOp(GlobalPoolOp forward, View dOutput, View dInput, Size dStepStride, bool accumulate)
        {
            Forward = forward; DOutput = dOutput; DInput = dInput; DStepStride = dStepStride; Accumulate = accumulate;
        }

        public GlobalPoolOp Forward { get; }
        public View DOutput { get; }
        public View DInput { get; }
        public Size DStepStride { get; }
        public bool Accumulate { get; }
    }
}
