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
    }

    public static class LayerKinds
    {
        /// <summary>Layers that read a sequence and carry a state through time.</summary>
        public static bool IsRecurrent(LayerKind kind) => kind == LayerKind.Lstm || kind == LayerKind.Gru || kind == LayerKind.SimpleRnn;
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
    /// <see cref="MaskZero"/>: an Embedding whose id 0 is padding; recurrent layers downstream skip padded steps.
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
        bool MaskZero = false);

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
