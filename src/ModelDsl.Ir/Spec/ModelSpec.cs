// Shared source: compiled into the runtime (ModelDsl) and into the generator (netstandard2.0).
// Keep it to plain data, no LINQ-heavy or net10-only APIs.
#nullable enable
using System.Collections.Generic;

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
    }

    public static class LayerKinds
    {
        /// <summary>Layers that read a sequence and carry a state through time.</summary>
        public static bool IsRecurrent(LayerKind kind) => kind == LayerKind.Lstm || kind == LayerKind.Gru || kind == LayerKind.SimpleRnn;

        /// <summary>Layers that mix positions through attention (they need a position-aware cache to step one token at a time).</summary>
        public static bool IsAttention(LayerKind kind) => kind == LayerKind.MultiHeadAttention || kind == LayerKind.TransformerDecoder;

        /// <summary>Layers that map a sequence to a sequence of the same width, position by position or through attention.</summary>
        public static bool KeepsSequenceWidth(LayerKind kind) => kind == LayerKind.MultiHeadAttention || kind == LayerKind.LayerNormalization || kind == LayerKind.TransformerDecoder;
    }

    /// <summary>Activation of a <c>Dense</c> layer.</summary>
    public enum ActivationKind
    {
        None = 0,
        Softmax = 1,
        /// <summary>One unit, binary targets 0/1: trained with binary cross-entropy.</summary>
        Sigmoid = 2,
    }

    /// <summary>
    /// One declared layer. Fields not used by a kind are zero/false.
    /// <see cref="Size"/>: TokenInput → vocabulary, Embedding → output dimension, Lstm/Gru/SimpleRnn/Dense → units.
    /// A size equal to <see cref="SymbolicSize.Vocabulary"/> is bound when the model is created.
    /// <see cref="Frozen"/>: the layer's weights get no gradient (an Embedding loaded with pretrained vectors).
    /// <see cref="Bidirectional"/>: a recurrent layer run forwards and backwards, outputs concatenated (width 2·units).
    /// <see cref="MaskZero"/>: an Embedding whose id 0 is padding; recurrent layers downstream skip padded steps, attention ignores padded keys.
    /// Attention layers: <see cref="Heads"/>, <see cref="KeySize"/> (0: width / heads), <see cref="Hidden"/> (the decoder's
    /// feed-forward width), <see cref="Causal"/> (MultiHeadAttention: position t sees positions ≤ t only; decoders are always causal),
    /// <see cref="AttendToInput"/> (TransformerDecoder: the seed's second attention, over the block's own input).
    /// PositionalEmbedding: <see cref="Size"/> is the width, <see cref="Length"/> the positions in its table (0: the input length).
    /// </summary>
    public sealed record LayerSpec(
        LayerKind Kind,
        int Size,
        int Length = 0,
        double Rate = 0,
        ActivationKind Activation = ActivationKind.None,
        bool ReturnSequences = false,
        bool Frozen = false,
        bool Bidirectional = false,
        bool MaskZero = false,
        int Heads = 0,
        int KeySize = 0,
        int Hidden = 0,
        bool Causal = false,
        bool AttendToInput = false);

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
    }
}
