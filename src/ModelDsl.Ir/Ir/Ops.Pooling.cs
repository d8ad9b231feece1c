#nullable enable
using System;

namespace ModelDsl.Ir
{
    /// <summary>How <see cref="GlobalPoolOp"/> reduces the steps: Keras GlobalMaxPooling1D or GlobalAveragePooling1D.</summary>
    public enum PoolKind { Max, Average }

    /// <summary>
    /// out[b, c] = pool over the steps t in [0, Steps) whose mask id is not 0 of x[t, b, c]. Element (t, b, c) of the input is at
    /// Input.Offset + t·StepStride + b·Input.RowStride + c (Input is a [B, W] view of step 0, not time-indexed; StepStride may be
    /// negative); mask id (t, b) at Mask.Offset + t·MaskStepStride + b·Mask.Stride (null: every step counts).
    /// Average: Σ x_t / n over the n counted steps. Max: the largest counted x_t, the first step attaining it chosen; a NaN in a
    /// counted step wins (the output is NaN, so non-finite checks see it). No counted step (n = 0): out = 0 and argmax −1.
    /// ArgMax (Max in training only, else null): a [B, W] view receiving the chosen step index as a float (exact below 2^24).
    /// The op walks the steps itself: it is never inside a <see cref="LoopOp"/>.
    /// </summary>
    public sealed class GlobalPoolOp : Op
    {
        public GlobalPoolOp(View input, Size stepStride, int steps, View output, PoolKind kind, IdView? mask, Size maskStepStride, View? argMax)
        {
            if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "A pool needs zero or more steps.");
            if (argMax != null && kind != PoolKind.Max) throw new ArgumentException("Only a max pool saves the chosen steps.", nameof(argMax));
            // Step t is addressed through the strides given here, never through an enclosing loop's t.
            if (input.IsTimeIndexed || output.IsTimeIndexed || (argMax != null && argMax.IsTimeIndexed) || (mask != null && mask.TimeStride != Size.Zero))
                throw new ArgumentException("A global pool's views are step 0's, not time-indexed: pass the step strides (StepStride, MaskStepStride) instead.");
            Input = input; StepStride = stepStride; Steps = steps; Output = output; Kind = kind; Mask = mask; MaskStepStride = maskStepStride; ArgMax = argMax;
        }

        /// <summary>[B, W]: step 0 of the pooled sequence.</summary>
        public View Input { get; }
        /// <summary>Elements from step t to step t + 1 of <see cref="Input"/> (negative for a sequence stored backwards).</summary>
        public Size StepStride { get; }
        public int Steps { get; }
        /// <summary>[B, W].</summary>
        public View Output { get; }
        public PoolKind Kind { get; }
        /// <summary>The token ids of step 0 (id 0 is padding: the step does not count), or null when every step counts.</summary>
        public IdView? Mask { get; }
        /// <summary>Ids from step t to step t + 1 of <see cref="Mask"/>.</summary>
        public Size MaskStepStride { get; }
        /// <summary>[B, W]: the chosen step of a max pool, saved for the backward; null otherwise.</summary>
        public View? ArgMax { get; }

        public override string ToString() =>
            "pool " + Kind + " " + Input + "+t*" + StepStride + " t<" + Steps + " -> " + Output
            + " mask " + (Mask is null ? "-" : Mask + "+t*" + MaskStepStride) + " argmax " + (ArgMax is null ? "-" : ArgMax.ToString());
    }

    /// <summary>
    /// The backward of <see cref="GlobalPoolOp"/> into every step of the input: dx[t, b, c] (+)= the step's share of dOut[b, c].
    /// Average: dOut/n for counted steps, 0 for masked ones (and 0 everywhere when n = 0). Max: dOut at the saved argmax step,
    /// 0 elsewhere. DInput is laid out like the forward's input (a [B, W] view of step 0) with its own <see cref="DStepStride"/>.
    /// Without <see cref="Accumulate"/> every step's dx is assigned (zeros included); with it, the shares are added.
    /// </summary>
    public sealed class GlobalPoolBackwardOp : Op
    {
        public GlobalPoolBackwardOp(GlobalPoolOp forward, View dOutput, View dInput, Size dStepStride, bool accumulate)
        {
            if (forward.Kind == PoolKind.Max && forward.ArgMax is null)
                throw new ArgumentException("The backward of a max pool reads the chosen steps: give the forward an ArgMax view.", nameof(forward));
            if (dOutput.IsTimeIndexed || dInput.IsTimeIndexed)
                throw new ArgumentException("A global pool's gradient views are step 0's, not time-indexed: pass the step stride (dStepStride) instead.");
            Forward = forward; DOutput = dOutput; DInput = dInput; DStepStride = dStepStride; Accumulate = accumulate;
        }

        public GlobalPoolOp Forward { get; }
        /// <summary>[B, W].</summary>
        public View DOutput { get; }
        /// <summary>[B, W]: step 0 of the input's gradient.</summary>
        public View DInput { get; }
        /// <summary>Elements from step t to step t + 1 of <see cref="DInput"/>.</summary>
        public Size DStepStride { get; }
        public bool Accumulate { get; }

        public override string ToString() =>
            "pool backward (" + Forward + ") " + DOutput + " -> " + DInput + "+t*" + DStepStride + (Accumulate ? " +=" : " =");
    }
}
