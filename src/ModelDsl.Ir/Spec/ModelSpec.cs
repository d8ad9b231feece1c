// Shared source: compiled into the runtime (ModelDsl) and into the generator (netstandard2.0).
// Keep it to plain data, no LINQ-heavy or net10-only APIs.
#nullable enable
using System.Collections.Generic;
using System.Globalization;

namespace ModelDsl.Ir
{
    /// <summary>The kinds of layer a model can declare, in the order the attributes list them.</summary>
    public enum LayerKind
    {
        TokenInput = 0,
        Embedding = 1,
        Lstm = 2,
        Dropout = 3,
        Dense = 4,
        Gru = 5,
        SimpleRnn = 6,
        Flatten = 7,
        /// <summary>Token embedding plus a learned position embedding (Keras's PositionalEmbedding of the seed).</summary>
        PositionalEmbedding = 8,
        /// <summary>Multi-head self-attention with an output projection back to the input width.</summary>
        MultiHeadAttention = 9,
        /// <summary>Normalisation of each position's features (mean 0, variance 1), then a learned scale and offset.</summary>
        LayerNormalization = 10,
        /// <summary>A Transformer decoder block: attention, residual + LayerNorm, ReLU feed-forward, residual + LayerNorm.</summary>
        TransformerDecoder = 11,
        /// <summary>A 1-D convolution over the steps of a sequence (Keras Conv1D).</summary>
        Conv1D = 12,
        /// <summary>The maximum of each feature over the steps (Keras GlobalMaxPooling1D).</summary>
        GlobalMaxPooling1D = 13,
        /// <summary>The mean of each feature over the steps (Keras GlobalAveragePooling1D).</summary>
        GlobalAveragePooling1D = 14,
    }

    /// <summary>How a <see cref="LayerKind.Conv1D"/> pads the sequence (Keras <c>padding</c>).</summary>
    public enum PaddingKind
    {
        /// <summary>No padding: T_out = ⌊(T − d·(k − 1) − 1) / s⌋ + 1.</summary>
        Valid = 0,
        /// <summary>Zeros on both sides (the extra one on the right): T_out = ⌈T / s⌉.</summary>
        Same = 1,
        /// <summary>Zeros on the left only, so step t sees steps ≤ t: T_out = ⌈T / s⌉.</summary>
        Causal = 2,
    }

    public static class LayerKinds
    {
        /// <summary>Layers that read a sequence and carry a state through time.</summary>
        public static bool IsRecurrent(LayerKind kind) => LayerDefinition.For(kind) is RecurrentLayer;

        /// <summary>Layers whose output depends on absolute positions (attention, a position table): stepping needs a position per row.</summary>
        public static bool UsesPositions(LayerKind kind) => LayerDefinition.For(kind).UsesPositions;
    }

    /// <summary>Activation of a <c>Dense</c> layer.</summary>
    public enum ActivationKind
    {
        None = 0,
        Softmax = 1,
        /// <summary>One unit, binary targets 0/1: trained with binary cross-entropy (Dense); σ(x) elsewhere.</summary>
        Sigmoid = 2,
        /// <summary>max(x, 0) (Conv1D).</summary>
        Relu = 3,
        /// <summary>tanh(x) (Conv1D).</summary>
        Tanh = 4,
    }

    public static class ActivationKinds
    {
        /// <summary>As a diagnostic names it: <c>Activation.Relu</c>, or <c>(Activation)7</c> for a value outside the enum.</summary>
        public static string Describe(ActivationKind kind) =>
            kind >= ActivationKind.None && kind <= ActivationKind.Tanh
                ? "Activation." + kind
                : "(Activation)" + ((int)kind).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// One declared layer, as named data: a field not used by a kind stays at its default (0, false), and the generated
    /// <c>Architecture</c> writes only the fields that differ from it, so a new field changes no existing model's code.
    /// What each field means for each kind is stated in that kind's home (<c>src/ModelDsl.Ir/Layers</c>).
    /// <see cref="Size"/>: TokenInput → vocabulary, Embedding/PositionalEmbedding → output dimension, recurrent layers and
    /// Dense → units, Conv1D → filters. A size equal to <see cref="SymbolicSize.Vocabulary"/> is bound when the model is created.
    /// </summary>
    public sealed record LayerSpec(LayerKind Kind)
    {
        public int Size { get; init; }
        public int Length { get; init; }
        public double Rate { get; init; }
        public ActivationKind Activation { get; init; }
        public bool ReturnSequences { get; init; }
        /// <summary>The layer's weights get no gradient (an Embedding loaded with pretrained vectors).</summary>
        public bool Frozen { get; init; }
        /// <summary>A recurrent layer run forwards and backwards, outputs concatenated (width 2·units).</summary>
        public bool Bidirectional { get; init; }
        /// <summary>An embedding whose id 0 is padding: layers downstream that support masks skip padded steps.</summary>
        public bool MaskZero { get; init; }
        public int Heads { get; init; }
        /// <summary>Attention key size per head (0: width / heads).</summary>
        public int KeySize { get; init; }
        /// <summary>A Transformer block's feed-forward width.</summary>
        public int Hidden { get; init; }
        public bool Causal { get; init; }
        /// <summary>TransformerDecoder: the seed's second attention, over the block's own input.</summary>
        public bool AttendToInput { get; init; }
        /// <summary>Conv1D: the kernel's length in steps.</summary>
        public int KernelSize { get; init; }
        /// <summary>Conv1D: the step between windows (Keras <c>strides</c>).</summary>
        public int Strides { get; init; }
        /// <summary>Conv1D: the spacing of the kernel's taps (Keras <c>dilation_rate</c>).</summary>
        public int Dilation { get; init; }
        public PaddingKind Padding { get; init; }

        /// <summary>The fields that differ from their defaults, as C# initialisers (the generated <c>Architecture</c>).</summary>
        public IReadOnlyList<string> NonDefaultInitializers()
        {
            var fields = new List<string>();
            void Int(string name, int value) { if (value != 0) fields.Add(name + " = " + value.ToString(CultureInfo.InvariantCulture)); }
            void Bool(string name, bool value) { if (value) fields.Add(name + " = true"); }
            Int(nameof(Size), Size);
            Int(nameof(Length), Length);
            if (Rate != 0) fields.Add(nameof(Rate) + " = " + Rate.ToString("R", CultureInfo.InvariantCulture));
            if (Activation != ActivationKind.None) fields.Add(nameof(Activation) + " = global::ModelDsl.Ir.ActivationKind." + Activation);
            Bool(nameof(ReturnSequences), ReturnSequences);
            Bool(nameof(Frozen), Frozen);
            Bool(nameof(Bidirectional), Bidirectional);
            Bool(nameof(MaskZero), MaskZero);
            Int(nameof(Heads), Heads);
            Int(nameof(KeySize), KeySize);
            Int(nameof(Hidden), Hidden);
            Bool(nameof(Causal), Causal);
            Bool(nameof(AttendToInput), AttendToInput);
            Int(nameof(KernelSize), KernelSize);
            Int(nameof(Strides), Strides);
            Int(nameof(Dilation), Dilation);
            if (Padding != PaddingKind.Valid) fields.Add(nameof(Padding) + " = global::ModelDsl.Ir.PaddingKind." + Padding);
            return fields;
        }
    }

    /// <summary>Sizes that are known only when a model is created.</summary>
    public static class SymbolicSize
    {
        /// <summary>The vocabulary of the corpus, bound by the model's constructor.</summary>
        public const int Vocabulary = -1;

        public static bool IsSymbolic(int size) => size == Vocabulary;
    }

    /// <summary>A model as declared: a name and its layers in order (input first).</summary>
    public sealed class ModelSpec
    {
        public ModelSpec(string name, IReadOnlyList<LayerSpec> layers)
        {
            Name = name;
            Layers = layers;
        }

        public string Name { get; }
        public IReadOnlyList<LayerSpec> Layers { get; }

        private ShapeFlow? _flow;

        /// <summary>The shapes from input to output, computed once (<see cref="ShapeFlow"/>).</summary>
        public ShapeFlow Flow => _flow ??= ShapeFlow.Of(this);
    }
}
