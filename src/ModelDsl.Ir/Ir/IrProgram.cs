#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    public enum ProgramKind
    {
        /// <summary>Forward saving what backward needs, loss, backward into the gradients.</summary>
        Train,
        /// <summary>Forward over whole windows; output probabilities (or logits) of the last layer.</summary>
        Infer,
        /// <summary>One time step with recurrent state carried between calls (stateful sampling).</summary>
        Step,
    }

    /// <summary>A model lowered to ops over named buffers: what every renderer and the interpreter execute.</summary>
    public sealed class IrProgram
    {
        public IrProgram(ProgramKind kind, int sequenceLength, IReadOnlyList<IrBuffer> buffers, IReadOnlyList<ParameterTensor> parameters,
            Size parameterCount, IReadOnlyList<Op> forward, IReadOnlyList<Op> backward, IrBuffer tokens, IrBuffer targets, View output,
            bool outputIsProbability, bool targetsPerStep = false)
        {
            TargetsPerStep = targetsPerStep;
            Kind = kind; SequenceLength = sequenceLength; Buffers = buffers; Parameters = parameters; ParameterCount = parameterCount;
            Forward = forward; Backward = backward; Tokens = tokens; Targets = targets; Output = output; OutputIsProbability = outputIsProbability;
        }

        public ProgramKind Kind { get; }
        /// <summary>Time steps per call: the declared length, or 1 for <see cref="ProgramKind.Step"/>.</summary>
        public int SequenceLength { get; }
        /// <summary>Every buffer, the flat parameters and gradients first.</summary>
        public IReadOnlyList<IrBuffer> Buffers { get; }
        public IReadOnlyList<ParameterTensor> Parameters { get; }
        public Size ParameterCount { get; }
        public IReadOnlyList<Op> Forward { get; }
        /// <summary>Backward ops (empty unless training). Parameter gradients accumulate; the caller zeroes them once per step.</summary>
        public IReadOnlyList<Op> Backward { get; }
        /// <summary>Input ids, [B, T] row-major.</summary>
        public IrBuffer Tokens { get; }
        /// <summary>Target ids, [B] — or [B, T] row-major when <see cref="TargetsPerStep"/>.</summary>
        public IrBuffer Targets { get; }
        /// <summary>A training program of a per-step output (a Dense over a sequence): one target per position.</summary>
        public bool TargetsPerStep { get; }
        /// <summary>The last layer's output, [B, width]: probabilities when <see cref="OutputIsProbability"/>, else logits.</summary>
        public View Output { get; }
        public bool OutputIsProbability { get; }

        /// <summary>
        /// Infer programs of attention models: [B] ids naming, per batch row, the position whose output is read (the runtime
        /// fills it; the last position by default). Null otherwise.
        /// </summary>
        public IrBuffer? QueryPositions { get; set; }

        /// <summary>Step programs of attention models: how many positions the key/value caches hold (0 otherwise).</summary>
        public int CacheCapacity { get; set; }

        public IrBuffer ParametersBuffer => Buffers[0];
        public IrBuffer GradientsBuffer => Buffers[1];
    }
}
