#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// <c>[GlobalMaxPooling1D]</c> and <c>[GlobalAveragePooling1D]</c>, Keras's: a sequence [T, d] → [d], the max or the
    /// mean of each feature over the steps. Under an embedding's padding mask only real steps count (a row with none gives
    /// 0). Any number of steps (after a Conv1D that shortens the sequence). Lowering: <c>GlobalPooling1D.Lowering.cs</c>, one
    /// <see cref="GlobalPoolOp"/> and its backward; ONNX: ReduceMax / ReduceMean over the steps (without a mask).
    /// </summary>
    public sealed class GlobalPooling1DLayer : LayerDefinition
    {
        public GlobalPooling1DLayer(LayerKind kind) => Kind = kind;

        public override LayerKind Kind { get; }
        public override string Name => Kind == LayerKind.GlobalMaxPooling1D ? "GlobalMaxPooling1D" : "GlobalAveragePooling1D";
        public override string KerasName => Kind == LayerKind.GlobalMaxPooling1D ? "global_max_pooling1d" : "global_average_pooling1d";
        public override bool AcceptsAnyStepCount => true;
        public override bool SupportsStep(LayerSpec layer) => false;

        public PoolKind Pool => Kind == LayerKind.GlobalMaxPooling1D ? PoolKind.Max : PoolKind.Average;

        public override LayerSpec Read(ILayerArguments arguments) => new LayerSpec(Kind);

        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            var shape = inputs[0];
            RequireSequence(context, shape, "add an [Embedding(dimension)] before it",
                "it pools over the steps, so set returnSequences: true on the previous recurrent layer");
            return TensorShape.Vector(shape.Width);
        }

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.GlobalPooling(name, Pool, inputs[0]);

        /// <summary>ReduceMax or ReduceMean over the time-major sequence's steps (axis 0); a masked sequence is not exportable.</summary>
        public override OnnxValue ExportOnnx(IOnnxGraph graph, string name, LayerSpec layer, OnnxValue input)
        {
            if (input.Kind != OnnxValueKind.Sequence)
                throw new System.NotSupportedException(name + ": " + Name + " needs a sequence of vectors.");
            if (input.Masked)
                throw new System.NotSupportedException(name + ": ONNX export of " + Name + " under a padding mask (maskZero) is not supported; export a model without maskZero.");
            string output = name + "/output";
            graph.Node(Pool == PoolKind.Max ? "ReduceMax" : "ReduceMean", name, new[] { input.Name }, new[] { output },
                OnnxAttribute.OfInts("axes", 0), OnnxAttribute.Of("keepdims", 0));
            return new OnnxValue(output, input.Width, OnnxValueKind.Vector);
        }
    }
}
