#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// <c>[TokenInput(length, vocabulary = Dim.Vocabulary)]</c>: integer ids [T]. Its lowering allocates the ids and the
    /// targets (<see cref="Lowering.Lowerer.Input"/>); the ONNX exporter writes the graph input itself.
    /// </summary>
    public sealed class TokenInputLayer : LayerDefinition
    {
        public override LayerKind Kind => LayerKind.TokenInput;
        public override string Name => "TokenInput";
        public override string KerasName => "input";

        public override LayerSpec Read(ILayerArguments arguments) =>
            new LayerSpec(LayerKind.TokenInput) { Size = arguments.Int("vocabulary"), Length = arguments.Int("length") };

        public override void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems)
        {
            CheckSize(arguments, "length", layer.Length, vocabularyAllowed: false, problems);
            // Left out, the vocabulary defaults to Dim.Vocabulary: bound when the model is created.
            CheckSize(arguments, "vocabulary", layer.Size, vocabularyAllowed: true, problems, vocabularyWhenOmitted: true);
        }

        /// <summary>Only reached for a second TokenInput, already reported: the flow carries on past it.</summary>
        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            context.KeepProducer();
            return inputs[0];
        }

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.Input(layer);

        public override void WriteConfig(LayerSpec layer, IConfigWriter config)
        {
            config.Add("length", layer.Length);
            config.AddSize("vocabulary", layer.Size);
        }
    }
}
