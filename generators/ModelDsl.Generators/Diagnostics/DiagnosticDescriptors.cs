using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace ModelDsl.Generators.Diagnostics
{
    /// <summary>
    /// Every diagnostic the generator reports. Ids are stable (see docs/diagnostics.md and AnalyzerReleases.Unshipped.md);
    /// each message says what to change.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "ModelDsl";

        /// <summary>MDSL0001: the [Model] class lacks the <c>partial</c> modifier. {0}: class name.</summary>
        public static readonly DiagnosticDescriptor ClassMustBePartial = Error(
            "MDSL0001",
            "Model class must be partial",
            "Model class '{0}' must be partial so that the generated code can complete it; declare it as 'partial class {0}'");

        /// <summary>MDSL0002: the [Model] type is generic, nested, static, abstract, file-local or a record. {0}: class name, {1}: what it is.</summary>
        public static readonly DiagnosticDescriptor InvalidModelClass = Error(
            "MDSL0002",
            "Model class must be a top-level, non-generic partial class",
            "Model class '{0}' is {1}; [Model] needs a top-level, non-generic, non-static, non-abstract partial class that is not a record");

        /// <summary>MDSL0003: no layer attributes. {0}: class name.</summary>
        public static readonly DiagnosticDescriptor NoLayers = Error(
            "MDSL0003",
            "Model declares no layers",
            "Model '{0}' declares no layers; add [TokenInput(length)] first, then the hidden layers, then a final [Dense(units)]");

        /// <summary>MDSL0004: layers but no TokenInput. {0}: class name.</summary>
        public static readonly DiagnosticDescriptor MissingTokenInput = Error(
            "MDSL0004",
            "Model has no TokenInput",
            "Model '{0}' has no input layer; add [TokenInput(length)] as its first layer");

        /// <summary>MDSL0005: TokenInput is not the first layer. {0}: the layer written before it.</summary>
        public static readonly DiagnosticDescriptor TokenInputNotFirst = Error(
            "MDSL0005",
            "TokenInput must be the first layer",
            "TokenInput must be the first layer but comes after {0}; move [TokenInput] above the other layer attributes");

        /// <summary>MDSL0006: a second TokenInput.</summary>
        public static readonly DiagnosticDescriptor DuplicateTokenInput = Error(
            "MDSL0006",
            "Model has more than one TokenInput",
            "A model has a single input, but this is a second [TokenInput]; remove it");

        /// <summary>MDSL0007: a size that is zero or negative. {0}: layer, {1}: parameter, {2}: value, {3}: what to write instead.</summary>
        public static readonly DiagnosticDescriptor NonPositiveSize = Error(
            "MDSL0007",
            "Layer size must be positive",
            "{0} {1} must be positive but is {2}; {3}");

        /// <summary>MDSL0008: a dropout rate outside [0, 1). {0}: the rate.</summary>
        public static readonly DiagnosticDescriptor DropoutRateOutOfRange = Error(
            "MDSL0008",
            "Dropout rate must be in [0, 1)",
            "Dropout rate must be at least 0 and less than 1 but is {0}; use a rate in [0, 1), e.g. 0.2");

        /// <summary>MDSL0009: a layer that needs a sequence gets a vector. {0}: layer, {1}: the vector's shape, {2}: what to change.</summary>
        public static readonly DiagnosticDescriptor SequenceExpected = Error(
            "MDSL0009",
            "Layer needs a sequence but gets a vector",
            "{0} needs a sequence but gets a vector {1}; {2}");

        /// <summary>MDSL0010: a layer that needs a vector gets a sequence or token ids. {0}: layer, {1}: what it gets, {2}: what to change.</summary>
        public static readonly DiagnosticDescriptor VectorExpected = Error(
            "MDSL0010",
            "Layer needs a vector but gets a sequence",
            "{0} needs a vector but gets {1}; {2}");

        /// <summary>MDSL0011: Embedding anywhere but right after TokenInput. {0}: the layer it follows.</summary>
        public static readonly DiagnosticDescriptor EmbeddingNotAfterInput = Error(
            "MDSL0011",
            "Embedding must directly follow TokenInput",
            "Embedding looks up token ids, so it must come directly after [TokenInput], but it follows {0}; move it right after [TokenInput]");

        /// <summary>MDSL0012: Dropout right after TokenInput (on integer ids).</summary>
        public static readonly DiagnosticDescriptor DropoutOnTokenIds = Error(
            "MDSL0012",
            "Dropout cannot apply to token ids",
            "Dropout cannot apply to the token ids of [TokenInput]; move it after an Embedding, Lstm or Dense layer");

        /// <summary>MDSL0013: the last layer is not Dense. {0}: the last layer.</summary>
        public static readonly DiagnosticDescriptor LastLayerNotDense = Error(
            "MDSL0013",
            "Last layer must be Dense",
            "The last layer produces the model's output and must be Dense, but it is {0}; add a final [Dense(units)]");

        /// <summary>MDSL0014: Dim.Vocabulary for a size that must be a number. {0}: layer, {1}: parameter.</summary>
        public static readonly DiagnosticDescriptor VocabularyNotAllowed = Error(
            "MDSL0014",
            "Dim.Vocabulary is not allowed here",
            "{0} {1} cannot be Dim.Vocabulary (only TokenInput's vocabulary and Dense's units can); write a positive number");

        /// <summary>MDSL0015: the parameter count exceeds int.MaxValue. {0}: class, {1}: count, {2}: note on the vocabulary.</summary>
        public static readonly DiagnosticDescriptor TooManyParameters = Error(
            "MDSL0015",
            "Model has too many parameters",
            "Model '{0}' has {1} parameters{2}; at most 2,147,483,647 are supported: make the layers smaller");

        /// <summary>MDSL0016: one sample's activation buffer exceeds int.MaxValue elements. {0}: layer, {1}: elements, {2}: how they are counted.</summary>
        public static readonly DiagnosticDescriptor ActivationTooLarge = Error(
            "MDSL0016",
            "Layer activations are too large",
            "{0} needs an activation buffer of {1} values for one sample ({2}); at most 2,147,483,647 are supported: make the layer or the input length smaller");

        /// <summary>MDSL0017: a layer attribute on another partial declaration. {0}: layer, {1}: class.</summary>
        public static readonly DiagnosticDescriptor LayerOnOtherDeclaration = Error(
            "MDSL0017",
            "Layer attribute must be on the [Model] declaration",
            "[{0}] is on another partial declaration of '{1}', where its order is undefined; move it to the declaration that carries [Model]");

        /// <summary>MDSL0018: an attribute derived from LayerAttribute that the generator does not know. {0}: attribute name.</summary>
        public static readonly DiagnosticDescriptor UnknownLayer = Error(
            "MDSL0018",
            "Unknown layer attribute",
            "'{0}' is not a layer ModelDsl can generate; use one of ModelDsl's layer attributes (docs/dsl-reference.md lists them)");

        /// <summary>MDSL0019: an activation the layer does not support. {0}: layer, {1}: the value, {2}: those it supports.</summary>
        public static readonly DiagnosticDescriptor UnknownActivation = Error(
            "MDSL0019",
            "Unsupported activation",
            "{0} activation {1} is not supported; use {2}");

        /// <summary>MDSL0020: the project does not allow unsafe code. {0}: class.</summary>
        public static readonly DiagnosticDescriptor UnsafeCodeRequired = Error(
            "MDSL0020",
            "Unsafe code must be enabled",
            "The generated code of model '{0}' works on pointers into buffers allocated once; add <AllowUnsafeBlocks>true</AllowUnsafeBlocks> to the project file");

        /// <summary>MDSL0021: a Dense layer that is not the last layer.</summary>
        public static readonly DiagnosticDescriptor DenseNotLast = Error(
            "MDSL0021",
            "Dense must be the last layer",
            "Only the output layer may be Dense in this version; remove this [Dense] or move it to the end");

        /// <summary>MDSL0022: a sigmoid output with more than one unit. {0}: the units.</summary>
        public static readonly DiagnosticDescriptor SigmoidNeedsOneUnit = Error(
            "MDSL0022",
            "Sigmoid output needs one unit",
            "Activation.Sigmoid is for binary classification with targets 0 and 1 and needs Dense(1), not Dense({0}); use Dense(1, Activation.Sigmoid) or Activation.Softmax over the classes");

        /// <summary>MDSL0023: [Bidirectional] not directly before a recurrent layer. {0}: what follows it.</summary>
        public static readonly DiagnosticDescriptor BidirectionalNeedsRecurrent = Error(
            "MDSL0023",
            "Bidirectional must wrap a recurrent layer",
            "[Bidirectional] wraps the recurrent layer written right after it, but it is followed by {0}; put it directly before an [Lstm], [Gru] or [SimpleRnn]");

        /// <summary>MDSL0024: heads that do not divide the width when the key size is left out. {0}: layer, {1}: width, {2}: heads.</summary>
        public static readonly DiagnosticDescriptor HeadsDoNotDivideWidth = Error(
            "MDSL0024",
            "Heads do not divide the width",
            "{0} splits its input width {1} into {2} heads of width / heads dimensions, but {2} does not divide {1}; use a number of heads that divides {1}, or set keySize explicitly");

        /// <summary>MDSL0025: an input longer than the position table. {0}: input length, {1}: table length.</summary>
        public static readonly DiagnosticDescriptor SequenceLongerThanPositions = Error(
            "MDSL0025",
            "Sequence longer than the position table",
            "The input has {0} positions but the PositionalEmbedding's table has only {1}; set length: {0} or more on [PositionalEmbedding], or shorten the TokenInput");

        /// <summary>MDSL0026: an attention, LayerNormalization or PositionalEmbedding layer in the wrong place. {0}: layer, {1}: what it gets, {2}: what to change.</summary>
        public static readonly DiagnosticDescriptor VectorSequenceExpected = Error(
            "MDSL0026",
            "Layer needs a sequence of vectors",
            "{0} needs a sequence of vectors but gets {1}; {2}");

        /// <summary>MDSL0027: the class has a name its generated code uses for something else. {0}: class name, {1}: what the name is used for.</summary>
        public static readonly DiagnosticDescriptor ClassNameTakenByGeneratedCode = Error(
            "MDSL0027",
            "Model class name is taken by generated code",
            "Model class '{0}' has a name its generated code already uses ({1}); rename the class");

        /// <summary>MDSL0028: the class has the full name of a referenced type or namespace under System, ModelDsl or ILGPU. {0}: full name, {1}: assembly.</summary>
        public static readonly DiagnosticDescriptor ClassHidesReferencedType = Error(
            "MDSL0028",
            "Model class hides a referenced type",
            "Model class '{0}' has the full name of a type or namespace in {1}, so generated code that names it would get this class instead; rename the class or move it to another namespace");

        /// <summary>MDSL0029: a sequence shorter than a Conv1D's window. {0}: layer, {1}: window steps, {2}: kernel size, {3}: dilation, {4}: the steps it gets.</summary>
        public static readonly DiagnosticDescriptor SequenceTooShort = Error(
            "MDSL0029",
            "Sequence too short for the layer",
            "The window of {0} covers {1} steps (kernelSize {2}, dilation {3}) but its input has {4}; use a shorter kernel or dilation, padding: Padding.Same or Padding.Causal, or a longer TokenInput");

        /// <summary>MDSL0030: a layer that cannot honour an embedding's padding mask. {0}: layer, {1}: the masking layer, {2}: what to change.</summary>
        public static readonly DiagnosticDescriptor MaskNotSupported = Error(
            "MDSL0030",
            "Layer does not support a padding mask",
            "{0} does not support the padding mask of {1} (Keras raises here too); {2}");

        /// <summary>MDSL0031: an argument outside what the layer accepts. {0}: layer, {1}: argument, {2}: value, {3}: why and what to write.</summary>
        public static readonly DiagnosticDescriptor InvalidArgument = Error(
            "MDSL0031",
            "Invalid layer argument",
            "{0} {1}: {2} {3}");

        /// <summary>MDSL0032: a layer after one that changed the number of steps. {0}: layer, {1}: the steps it gets, {2}: the input's length.</summary>
        public static readonly DiagnosticDescriptor StepCountNotSupported = Error(
            "MDSL0032",
            "Layer needs the input's number of steps",
            "{0} gets a sequence of {1} steps, but it supports only the input's {2}; give the Conv1D before it padding: Padding.Same (or Causal) and strides: 1, or follow the Conv1D with a pooling layer");

        /// <summary>MDSL9999: the generator itself failed. {0}: class, {1}: exception type and message.</summary>
        public static readonly DiagnosticDescriptor InternalError = Error(
            "MDSL9999",
            "ModelDsl generator failed",
            "The ModelDsl generator failed on '{0}' ({1}); this is a bug in ModelDsl, please report it with the model declaration");

        /// <summary>Every descriptor, in id order.</summary>
        public static readonly ImmutableArray<DiagnosticDescriptor> Descriptors =
        [
            ClassMustBePartial, InvalidModelClass, NoLayers, MissingTokenInput, TokenInputNotFirst, DuplicateTokenInput,
            NonPositiveSize, DropoutRateOutOfRange, SequenceExpected, VectorExpected, EmbeddingNotAfterInput,
            DropoutOnTokenIds, LastLayerNotDense, VocabularyNotAllowed, TooManyParameters, ActivationTooLarge,
            LayerOnOtherDeclaration, UnknownLayer, UnknownActivation, UnsafeCodeRequired, DenseNotLast, SigmoidNeedsOneUnit, BidirectionalNeedsRecurrent,
            HeadsDoNotDivideWidth, SequenceLongerThanPositions, VectorSequenceExpected, ClassNameTakenByGeneratedCode, ClassHidesReferencedType,
            SequenceTooShort, MaskNotSupported, InvalidArgument, StepCountNotSupported, InternalError,
        ];

        private static readonly Dictionary<string, DiagnosticDescriptor> ByIdIndex = Index(Descriptors);

        /// <summary>The descriptor with <paramref name="id"/>; an unknown id maps to <see cref="InternalError"/>.</summary>
        public static DiagnosticDescriptor ById(string id) => ByIdIndex.TryGetValue(id, out var descriptor) ? descriptor : InternalError;

        private static DiagnosticDescriptor Error(string id, string title, string message) =>
            new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

        private static Dictionary<string, DiagnosticDescriptor> Index(ImmutableArray<DiagnosticDescriptor> descriptors)
        {
            var index = new Dictionary<string, DiagnosticDescriptor>();
            foreach (var descriptor in descriptors)
            {
                index.Add(descriptor.Id, descriptor);
            }

            return index;
        }
    }
}
