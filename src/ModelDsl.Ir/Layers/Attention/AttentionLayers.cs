#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>Checks and shape rules the attention family shares: sequence in, the same width out.</summary>
    public abstract class SequenceToSequenceLayer : LayerDefinition
    {
        public override bool UsesPositions => true;

        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            var shape = inputs[0];
            if (!RequireSequence(context, shape, "add a [PositionalEmbedding(dimension)] (or an [Embedding]) before it",
                "set returnSequences: true on the previous recurrent layer, or move " + Name + " before the layer that makes a vector"))
            {
                // Reported once: carry on as if the ids had been embedded.
                return shape.Form == ShapeForm.TokenIds ? TensorShape.Sequence(shape.Steps, shape.Width) : shape;
            }

            CheckWidth(context, layer, shape);
            return shape;
        }

        protected virtual void CheckWidth(ShapeContext context, LayerSpec layer, TensorShape shape) { }

        /// <summary>Attention weights kept per sample while training: heads × T × T per attention.</summary>
        protected virtual int Attentions(LayerSpec layer) => 0;

        public override void CheckActivationSizes(LayerSpec layer, TensorShape input, TensorShape output, ProblemSink problems)
        {
            decimal steps = input.Steps;
            CheckElements(layer.Heads * steps * steps * Attentions(layer), Format(layer.Heads) + " heads × " + Format(steps) + " × " + Format(steps) + " positions", problems);
        }

        /// <summary>Query, key and value kernels and biases, and the output projection back to the width.</summary>
        protected static decimal AttentionParameters(decimal width, LayerSpec layer)
        {
            decimal keySize = layer.KeySize > 0 ? layer.KeySize : (layer.Heads > 0 ? System.Math.Floor(width / layer.Heads) : 0);
            decimal hd = layer.Heads * keySize;
            return (3 * ((width * hd) + hd)) + (hd * width) + width;
        }

        /// <summary>Heads (positive) and key size (0: width / heads, else positive).</summary>
        protected void CheckHeads(LayerSpec layer, ILayerArguments arguments, ProblemSink problems)
        {
            CheckSize(arguments, "heads", layer.Heads, vocabularyAllowed: false, problems);
            if (layer.KeySize < 0)
                problems.Report(ProblemCode.NonPositiveSize, Name, "keySize", layer.KeySize, "write a positive number, or 0 for width / heads");
        }

        protected void CheckHeadsDivideWidth(ShapeContext context, LayerSpec layer, TensorShape shape)
        {
            if (layer.KeySize == 0 && layer.Heads > 0 && !SymbolicSize.IsSymbolic(shape.Width) && shape.Width % layer.Heads != 0)
                context.Report(ProblemCode.HeadsDoNotDivideWidth, Name, shape.Width, layer.Heads);
        }
    }

    /// <summary>
    /// <c>[PositionalEmbedding(dimension, length = 0, maskZero = false)]</c>, the seed's: a token embedding plus a learned
    /// embedding of each position (a table of <c>length</c> rows, 0: the input length). Lowering:
    /// <c>PositionalEmbedding.Lowering.cs</c> (in a step program, one position per row, remembered as state).
    /// </summary>
    public sealed class PositionalEmbeddingLayer : LayerDefinition
    {
        public override LayerKind Kind => LayerKind.PositionalEmbedding;
        public override string Name => "PositionalEmbedding";
        public override string KerasName => "positional_embedding";
        public override bool UsesPositions => true;

        public override LayerSpec Read(ILayerArguments arguments) =>
            new LayerSpec(LayerKind.PositionalEmbedding) { Size = arguments.Int("dimension"), Length = arguments.Int("length"), MaskZero = arguments.Bool("maskZero") };

        public override void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems)
        {
            CheckSize(arguments, "dimension", layer.Size, vocabularyAllowed: false, problems);
            if (layer.Length != 0 || arguments.WrittenAsVocabulary("length"))
                CheckSize(arguments, "length", layer.Length, vocabularyAllowed: false, problems);
        }

        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            var shape = inputs[0];
            if (shape.Form != ShapeForm.TokenIds)
            {
                context.Report(ProblemCode.VectorSequenceExpected, Name, "the output of " + context.PreviousName + " " + shape,
                    "it looks up token ids, so move it directly after [TokenInput]");
            }
            else if (layer.Length > 0 && context.Input.Length > layer.Length)
            {
                context.Report(ProblemCode.SequenceLongerThanPositions, context.Input.Length, layer.Length);
            }

            return TensorShape.Sequence(context.Input.Length, layer.Size, masked: layer.MaskZero);
        }

        public override decimal ParameterCount(LayerSpec layer, TensorShape input)
        {
            decimal table = layer.Length > 0 ? layer.Length : input.Steps;
            return (input.FixedWidth + table) * Fixed(layer.Size);
        }

        public override bool HasSymbolicWeights(LayerSpec layer, TensorShape input) => SymbolicSize.IsSymbolic(input.Width);

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.PositionalEmbedding(name, layer, inputs[0]);

        /// <summary>The arguments as declared (0 = the attribute's default: the window's length).</summary>
        public override void WriteConfig(LayerSpec layer, IConfigWriter config)
        {
            config.AddSize("dimension", layer.Size);
            config.Add("length", layer.Length);
            config.Add("mask_zero", layer.MaskZero);
        }
    }

    /// <summary>
    /// <c>[MultiHeadAttention(heads, keySize = 0, causal = true)]</c>: Keras MultiHeadAttention with query = key = value = the
    /// input, projected back to the input width; padded keys ignored under a mask. Lowering: <c>MultiHeadAttention.Lowering.cs</c>.
    /// </summary>
    public sealed class MultiHeadAttentionLayer : SequenceToSequenceLayer
    {
        public override LayerKind Kind => LayerKind.MultiHeadAttention;
        public override string Name => "MultiHeadAttention";
        public override string KerasName => "multi_head_attention";

        /// <summary>Stepping attends over the positions cached so far, which is causal attention.</summary>
        public override bool SupportsStep(LayerSpec layer) => layer.Causal;

        public override LayerSpec Read(ILayerArguments arguments) =>
            new LayerSpec(LayerKind.MultiHeadAttention) { Heads = arguments.Int("heads"), KeySize = arguments.Int("keySize"), Causal = arguments.Bool("causal") };

        public override void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems) => CheckHeads(layer, arguments, problems);

        protected override void CheckWidth(ShapeContext context, LayerSpec layer, TensorShape shape) => CheckHeadsDivideWidth(context, layer, shape);

        protected override int Attentions(LayerSpec layer) => 1;

        public override decimal ParameterCount(LayerSpec layer, TensorShape input) => AttentionParameters(input.FixedWidth, layer);

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.MultiHeadAttentionLayer(name, layer, inputs[0]);

        public override void WriteConfig(LayerSpec layer, IConfigWriter config)
        {
            config.Add("heads", layer.Heads);
            config.Add("key_size", layer.KeySize);
            config.Add("causal", layer.Causal);
        }
    }

    /// <summary>
    /// <c>[LayerNormalization]</c>: each position's features to mean 0 and variance 1 (ε = 1e−3, as Keras), then γ and β.
    /// Lowering: <c>LayerNormalization.Lowering.cs</c>.
    /// </summary>
    public sealed class LayerNormalizationLayer : SequenceToSequenceLayer
    {
        public override LayerKind Kind => LayerKind.LayerNormalization;
        public override string Name => "LayerNormalization";
        public override string KerasName => "layer_normalization";
        public override bool UsesPositions => false;

        public override LayerSpec Read(ILayerArguments arguments) => new LayerSpec(LayerKind.LayerNormalization);

        public override decimal ParameterCount(LayerSpec layer, TensorShape input) => 2m * input.FixedWidth;

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.LayerNormalizationLayer(name, inputs[0]);
    }

    /// <summary>
    /// <c>[TransformerDecoder(heads, hidden, keySize = 0, attendToInput = false)]</c>: a post-LayerNorm decoder block (causal
    /// self-attention, residual + LayerNorm, [the seed's second attention over the block's input,] a ReLU feed-forward,
    /// residual + LayerNorm). Lowering: <c>TransformerDecoder.Lowering.cs</c>, from the blocks in <c>AttentionBlocks.Lowering.cs</c>.
    /// </summary>
    public sealed class TransformerDecoderLayer : SequenceToSequenceLayer
    {
        public override LayerKind Kind => LayerKind.TransformerDecoder;
        public override string Name => "TransformerDecoder";
        public override string KerasName => "transformer_decoder";

        public override LayerSpec Read(ILayerArguments arguments) =>
            new LayerSpec(LayerKind.TransformerDecoder)
            {
                Heads = arguments.Int("heads"), KeySize = arguments.Int("keySize"), Hidden = arguments.Int("hidden"),
                Causal = true, AttendToInput = arguments.Bool("attendToInput"),
            };

        public override void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems)
        {
            CheckHeads(layer, arguments, problems);
            CheckSize(arguments, "hidden", layer.Hidden, vocabularyAllowed: false, problems);
        }

        protected override void CheckWidth(ShapeContext context, LayerSpec layer, TensorShape shape) => CheckHeadsDivideWidth(context, layer, shape);

        protected override int Attentions(LayerSpec layer) => layer.AttendToInput ? 2 : 1;

        public override decimal ParameterCount(LayerSpec layer, TensorShape input)
        {
            decimal n = input.FixedWidth;
            return ((layer.AttendToInput ? 2 : 1) * (AttentionParameters(n, layer) + (2 * n)))
                + (n * layer.Hidden) + layer.Hidden + (layer.Hidden * n) + n + (2 * n);
        }

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.TransformerDecoder(name, layer, inputs[0]);

        public override void WriteConfig(LayerSpec layer, IConfigWriter config)
        {
            config.Add("heads", layer.Heads);
            config.Add("hidden", layer.Hidden);
            config.Add("key_size", layer.KeySize);
            config.Add("attend_to_input", layer.AttendToInput);
        }
    }
}
