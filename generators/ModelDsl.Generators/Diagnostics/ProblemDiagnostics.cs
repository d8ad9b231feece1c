using Microsoft.CodeAnalysis;
using ModelDsl.Ir;

namespace ModelDsl.Generators.Diagnostics
{
    /// <summary>The MDSL diagnostic for each problem a layer's home reports (<see cref="ProblemCode"/>).</summary>
    internal static class ProblemDiagnostics
    {
        public static DiagnosticDescriptor For(ProblemCode code) => code switch
        {
            ProblemCode.NonPositiveSize => DiagnosticDescriptors.NonPositiveSize,
            ProblemCode.VocabularyNotAllowed => DiagnosticDescriptors.VocabularyNotAllowed,
            ProblemCode.DropoutRateOutOfRange => DiagnosticDescriptors.DropoutRateOutOfRange,
            ProblemCode.UnknownActivation => DiagnosticDescriptors.UnknownActivation,
            ProblemCode.EmbeddingNotAfterInput => DiagnosticDescriptors.EmbeddingNotAfterInput,
            ProblemCode.SequenceExpected => DiagnosticDescriptors.SequenceExpected,
            ProblemCode.VectorSequenceExpected => DiagnosticDescriptors.VectorSequenceExpected,
            ProblemCode.SequenceLongerThanPositions => DiagnosticDescriptors.SequenceLongerThanPositions,
            ProblemCode.HeadsDoNotDivideWidth => DiagnosticDescriptors.HeadsDoNotDivideWidth,
            ProblemCode.DropoutOnTokenIds => DiagnosticDescriptors.DropoutOnTokenIds,
            ProblemCode.SigmoidNeedsOneUnit => DiagnosticDescriptors.SigmoidNeedsOneUnit,
            ProblemCode.VectorExpected => DiagnosticDescriptors.VectorExpected,
            ProblemCode.ActivationTooLarge => DiagnosticDescriptors.ActivationTooLarge,
            ProblemCode.SequenceTooShort => DiagnosticDescriptors.SequenceTooShort,
            ProblemCode.MaskNotSupported => DiagnosticDescriptors.MaskNotSupported,
            ProblemCode.InvalidArgument => DiagnosticDescriptors.InvalidArgument,
            ProblemCode.StepCountNotSupported => DiagnosticDescriptors.StepCountNotSupported,
            _ => DiagnosticDescriptors.InternalError,
        };
    }
}
