#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// What a layer's home can find wrong with a declaration. The generator turns each code into an MDSL diagnostic on the
    /// offending attribute (generators/…/Diagnostics/ProblemDiagnostics.cs); the runtime, which sees only declarations the
    /// generator accepted, turns any into an <see cref="System.ArgumentException"/>.
    /// </summary>
    public enum ProblemCode
    {
        /// <summary>{0} layer, {1} argument, {2} value, {3} what to write instead.</summary>
        NonPositiveSize,
        /// <summary>{0} layer, {1} argument.</summary>
        VocabularyNotAllowed,
        /// <summary>{0} the rate as written.</summary>
        DropoutRateOutOfRange,
        /// <summary>{0} the activation as written.</summary>
        UnknownActivation,
        /// <summary>{0} the layer before.</summary>
        EmbeddingNotAfterInput,
        /// <summary>{0} layer, {1} shape it gets, {2} the fix.</summary>
        SequenceExpected,
        /// <summary>{0} layer, {1} what it gets, {2} the fix.</summary>
        VectorSequenceExpected,
        /// <summary>{0} input length, {1} position table length.</summary>
        SequenceLongerThanPositions,
        /// <summary>{0} layer, {1} width, {2} heads.</summary>
        HeadsDoNotDivideWidth,
        DropoutOnTokenIds,
        /// <summary>{0} units as written.</summary>
        SigmoidNeedsOneUnit,
        /// <summary>{0} layer, {1} what it gets, {2} the fix.</summary>
        VectorExpected,
        /// <summary>{0} layer, {1} elements, {2} how they are counted.</summary>
        ActivationTooLarge,
        /// <summary>{0} layer, {1} window steps, {2} kernel size, {3} dilation, {4} the steps it gets.</summary>
        SequenceTooShort,
        /// <summary>{0} layer, {1} the layer whose mask it would receive, {2} the fix.</summary>
        MaskNotSupported,
        /// <summary>{0} layer, {1} argument, {2} value, {3} why.</summary>
        InvalidArgument,
        /// <summary>{0} layer, {1} steps it gets, {2} the input's length.</summary>
        StepCountNotSupported,
    }

    /// <summary>One problem, with the index of the declared layer it belongs to and the message arguments.</summary>
    public sealed class LayerProblem
    {
        public LayerProblem(ProblemCode code, int layer, object?[] arguments)
        {
            Code = code;
            Layer = layer;
            Arguments = arguments;
        }

        public ProblemCode Code { get; }
        /// <summary>Index in the declared layer list.</summary>
        public int Layer { get; }
        public IReadOnlyList<object?> Arguments { get; }

        public override string ToString() => Code + "(" + string.Join(", ", Arguments) + ")";
    }

    /// <summary>Collects problems for one layer at a time.</summary>
    public sealed class ProblemSink
    {
        private readonly List<LayerProblem> _problems = new List<LayerProblem>();

        /// <summary>The layer the next reports belong to.</summary>
        public int Layer { get; set; }

        public IReadOnlyList<LayerProblem> Problems => _problems;

        public void Report(ProblemCode code, params object?[] arguments) => _problems.Add(new LayerProblem(code, Layer, arguments));
    }
}
