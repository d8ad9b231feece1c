#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// <c>[Embedding(dimension, trainable = true, maskZero = false)]</c>: token ids [T] → [T, dimension] by table lookup
    /// (Keras <c>embeddings</c>, U(−0.05, 0.05)). With maskZero, id 0 is padding and the mask flows downstream.
    /// Lowering: <c>Embedding.Lowering.cs</c> (a row gather per step; backward a scatter-add, none when frozen).
    /// </summary>
    public sealed class EmbeddingLayer : LayerDefinition
    {
        public override LayerKind Kind => LayerKind.Embedding;
        public override string Name => "Embedding";
        public override string KerasName => "embedding";

        public override LayerSpec Read(ILayerArguments arguments) =>
            new LayerSpec(LayerKind.Embedding) { Size = arguments.Int("dimension"), Frozen = !arguments.Bool("trainable"), MaskZero = arguments.Bool("maskZero") };

        public override void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems) =>
            CheckSize(arguments, "dimension", layer.Size, vocabularyAllowed: false, problems);

        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            if (inputs[0].Form != ShapeForm.TokenIds) context.Report(ProblemCode.EmbeddingNotAfterInput, context.PreviousName);
            return TensorShape.Sequence(context.Input.Length, layer.Size, masked: layer.MaskZero);
        }

        public override decimal ParameterCount(LayerSpec layer, TensorShape input) => (decimal)input.FixedWidth * Fixed(layer.Size);

        public override bool HasSymbolicWeights(LayerSpec layer, TensorShape input) => SymbolicSize.IsSymbolic(input.Width) || SymbolicSize.IsSymbolic(layer.Size);

        public override void CheckActivationSizes(LayerSpec layer, TensorShape input, TensorShape output, ProblemSink problems)
        {
            decimal steps = input.Steps, units = Fixed(layer.Size);
            CheckElements(steps * units, Format(steps) + " steps × " + Format(units) + " dimensions", problems);
        }

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.Embedding(name, layer, inputs[0]);

        public override void WriteConfig(LayerSpec layer, IConfigWriter config)
        {
            config.AddSize("dimension", layer.Size);
            config.Add("mask_zero", layer.MaskZero);
            config.Add("trainable", !layer.Frozen);
        }

        public override OnnxValue ExportOnnx(IOnnxGraph graph, string name, LayerSpec layer, OnnxValue input)
        {
            if (input.Kind != OnnxValueKind.TimeMajorIds)
                throw new System.NotSupportedException(name + ": an Embedding must read token ids.");
            var table = graph.Weight(name + ".embeddings");
            string output = name + "/output";
            graph.Node("Gather", name, new[] { table, input.Name }, new[] { output }, OnnxAttribute.Of("axis", 0));
            return new OnnxValue(output, graph.Units(layer.Size), OnnxValueKind.Sequence, input.Steps, layer.MaskZero);
        }
    }
}
