#nullable enable
using System;
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// Everything the compiler and the runtime know about one kind of layer, in one place (its "home", a file or a folder
    /// under <c>src/ModelDsl.Ir/Layers</c>): how its attribute's arguments are read and checked, its shape rule, its
    /// parameter count, its lowering to ops (forward and backward), its configuration-JSON fields and its ONNX mapping.
    /// The generator, the lowering, the summary, the configuration writer and the ONNX exporter all ask the definition;
    /// none of them switches over <see cref="LayerKind"/>. Adding a layer means adding a home and listing it in
    /// <see cref="All"/> (docs/architecture.md, "How to add a layer").
    /// </summary>
    /// <remarks>
    /// Graph models (issue #15) add to this: a layer's shape rule and lowering already take the list of its inputs' shapes
    /// and values (one for every layer of a linear stack), so a layer with several inputs states its rule over all of them.
    /// </remarks>
    public abstract class LayerDefinition
    {
        /// <summary>The layers, in <see cref="LayerKind"/> order.</summary>
        public static IReadOnlyList<LayerDefinition> All { get; } = new LayerDefinition[]
        {
            new TokenInputLayer(),
            new EmbeddingLayer(),
            new LstmLayer(),
            new DropoutLayer(),
            new DenseLayer(),
            new GruLayer(),
            new SimpleRnnLayer(),
            new FlattenLayer(),
            new PositionalEmbeddingLayer(),
            new MultiHeadAttentionLayer(),
            new LayerNormalizationLayer(),
            new TransformerDecoderLayer(),
            new Conv1DLayer(),
            new GlobalPooling1DLayer(LayerKind.GlobalMaxPooling1D),
            new GlobalPooling1DLayer(LayerKind.GlobalAveragePooling1D),
        };

        public static LayerDefinition For(LayerKind kind)
        {
            int index = (int)kind;
            if (index >= 0 && index < All.Count && All[index].Kind == kind) return All[index];
            throw new ArgumentOutOfRangeException(nameof(kind), "No layer of kind " + kind + ".");
        }

        /// <summary>The layer whose attribute has this full name (<c>ModelDsl.LstmAttribute</c>), or null.</summary>
        public static LayerDefinition? ForAttribute(string metadataName)
        {
            foreach (var definition in All)
                if (definition.AttributeMetadataName == metadataName) return definition;
            return null;
        }

        public abstract LayerKind Kind { get; }

        /// <summary>The attribute's name without "Attribute" (<c>Lstm</c>): what diagnostics and the summary call the layer.</summary>
        public abstract string Name { get; }

        public string AttributeMetadataName => "ModelDsl." + Name + "Attribute";

        /// <summary>The base of Keras-style layer names (<c>lstm</c>, then <c>lstm_1</c>, …), also the prefix of its tensors.</summary>
        public abstract string KerasName { get; }

        /// <summary>Whether the layer's output depends on absolute positions (attention, a position table).</summary>
        public virtual bool UsesPositions => false;

        /// <summary>Whether the layer can run one step at a time with carried state (the stateful sampling program).</summary>
        public virtual bool SupportsStep(LayerSpec layer) => true;

        /// <summary>The base name of this declared layer (a bidirectional LSTM is <c>bidirectional</c>).</summary>
        public virtual string KerasNameOf(LayerSpec layer) => KerasName;

        /// <summary>
        /// Whether the layer reads a sequence of any number of steps. The others assume the input's length and are refused
        /// after a layer that changes it (a strided or unpadded Conv1D).
        /// </summary>
        public virtual bool AcceptsAnyStepCount => false;

        /// <summary>The summary's "type" column: the name, or <c>Bidirectional(Lstm)</c>.</summary>
        public virtual string DisplayName(LayerSpec layer) => Name;

        // ── Declaration ─────────────────────────────────────────────────────────────────────────────────────────────

        /// <summary>The layer as declared by its attribute's constructor arguments.</summary>
        public abstract LayerSpec Read(ILayerArguments arguments);

        /// <summary>Checks the arguments on their own (sizes positive, rates in range), before any shape is known.</summary>
        public virtual void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems) { }

        // ── Shapes ──────────────────────────────────────────────────────────────────────────────────────────────────

        /// <summary>
        /// The output shape for the input shapes (one per input; a linear stack gives the previous layer's). Problems are
        /// reported to <see cref="ShapeContext.Problems"/>; the flow carries on with the shape returned.
        /// </summary>
        public abstract TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs);

        /// <summary>Trainable parameters as Keras counts them, a symbolic width counted as 0.</summary>
        public virtual decimal ParameterCount(LayerSpec layer, TensorShape input) => 0;

        /// <summary>Whether some of the layer's weights grow with the vocabulary (left out of the compile-time count).</summary>
        public virtual bool HasSymbolicWeights(LayerSpec layer, TensorShape input) => false;

        /// <summary>Reports an activation (per sample) too large to address, once the flow is known to be valid.</summary>
        public virtual void CheckActivationSizes(LayerSpec layer, TensorShape input, TensorShape output, ProblemSink problems) { }

        // ── Lowering ────────────────────────────────────────────────────────────────────────────────────────────────

        /// <summary>Writes the layer's forward ops, and its backward block when training; returns what flows on.</summary>
        internal abstract Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast);

        // ── Configuration and export ────────────────────────────────────────────────────────────────────────────────

        /// <summary>The layer's arguments in the configuration JSON (<c>Model.ConfigJson</c>), after "name" and "kind".</summary>
        public virtual void WriteConfig(LayerSpec layer, IConfigWriter config) { }

        /// <summary>The layer as ONNX operators; the default says it is not exportable.</summary>
        public virtual OnnxValue ExportOnnx(IOnnxGraph graph, string name, LayerSpec layer, OnnxValue input) =>
            throw new NotSupportedException("ONNX export does not support " + Name + " layers (" + name + ").");

        // ── Shared checks ───────────────────────────────────────────────────────────────────────────────────────────

        /// <summary>A size argument: positive, or Dim.Vocabulary where <paramref name="vocabularyAllowed"/>.</summary>
        protected void CheckSize(ILayerArguments arguments, string parameter, int value, bool vocabularyAllowed, ProblemSink problems, bool vocabularyWhenOmitted = false)
        {
            bool isVocabularySymbol = arguments.WrittenAsVocabulary(parameter, vocabularyWhenOmitted);
            if (isVocabularySymbol && !vocabularyAllowed)
            {
                problems.Report(ProblemCode.VocabularyNotAllowed, Name, parameter);
            }
            else if (isVocabularySymbol && value == SymbolicSize.Vocabulary)
            {
                // The symbol where it is allowed: bound when the model is created.
            }
            else if (value <= 0)
            {
                var instead = vocabularyAllowed
                    ? "write a positive number, or Dim.Vocabulary to bind the vocabulary when the model is created"
                    : "write a positive number";
                problems.Report(ProblemCode.NonPositiveSize, Name, parameter, value, instead);
            }
        }

        /// <summary>
        /// For a layer that reads a sequence of vectors: reports MDSL0026 with the fix for token ids or for a vector, and
        /// keeps the producer (the flow carries on as the caller decides); returns whether the input is a sequence.
        /// </summary>
        protected bool RequireSequence(ShapeContext context, TensorShape shape, string tokenIdsFix, string vectorFix)
        {
            if (shape.Form == ShapeForm.Sequence) return true;
            var gets = shape.Form == ShapeForm.TokenIds ? "token ids " + shape : "a vector " + shape;
            context.Report(ProblemCode.VectorSequenceExpected, Name, gets, shape.Form == ShapeForm.TokenIds ? tokenIdsFix : vectorFix);
            context.KeepProducer();
            return false;
        }

        protected static int Fixed(int size) => SymbolicSize.IsSymbolic(size) ? 0 : size;

        protected static string Format(decimal value) => value.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture);

        protected void CheckElements(decimal elements, string counted, ProblemSink problems)
        {
            if (elements > int.MaxValue) problems.Report(ProblemCode.ActivationTooLarge, Name, Format(elements), counted);
        }
    }

    /// <summary>An attribute's constructor arguments by parameter name (the generator reads them from Roslyn).</summary>
    public interface ILayerArguments
    {
        int Int(string parameter);
        bool Bool(string parameter);
        double Double(string parameter);
        /// <summary>Whether the argument was written as <c>Dim.Vocabulary</c> (<paramref name="whenOmitted"/> if left out).</summary>
        bool WrittenAsVocabulary(string parameter, bool whenOmitted = false);
    }

    /// <summary>Where a layer sits in the flow, for its shape rule and its messages.</summary>
    public sealed class ShapeContext
    {
        internal ShapeContext(IReadOnlyList<LayerSpec> layers, int index, LayerKind producer, ProblemSink problems)
        {
            Layers = layers;
            Index = index;
            Producer = producer;
            Problems = problems;
        }

        public IReadOnlyList<LayerSpec> Layers { get; }
        public int Index { get; }
        /// <summary>The model's TokenInput.</summary>
        public LayerSpec Input => Layers[0];
        /// <summary>The layer written just before this one.</summary>
        public LayerSpec Previous => Layers[Index - 1];
        public string PreviousName => LayerDefinition.For(Previous.Kind).Name;
        /// <summary>The last layer that made the current shape (a Dropout passes it on), for the fixes messages suggest.</summary>
        public LayerKind Producer { get; }
        public ProblemSink Problems { get; }
        internal bool KeepsProducer { get; private set; }

        /// <summary>This layer passes its input on (or failed): the producer stays the previous one.</summary>
        public void KeepProducer() => KeepsProducer = true;

        public void Report(ProblemCode code, params object?[] arguments) => Problems.Report(code, arguments);
    }

    /// <summary>Receives a layer's configuration fields.</summary>
    public interface IConfigWriter
    {
        void Add(string key, int value);
        /// <summary>A size: a symbolic vocabulary is written as the bound one.</summary>
        void AddSize(string key, int value);
        void Add(string key, bool value);
        void Add(string key, double value);
        void Add(string key, string value);
    }
}
