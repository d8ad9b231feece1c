#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// <c>[Flatten]</c>: a sequence [T, d] as one vector [T·d] per sample (time-major, as Keras). It copies nothing: the
    /// Dense that follows reads the steps one by one (<c>Flatten.Lowering.cs</c>, <c>Dense.Lowering.cs</c>).
    /// </summary>
    public sealed class FlattenLayer : LayerDefinition
    {
        public override LayerKind Kind => LayerKind.Flatten;
        public override string Name => "Flatten";
        public override string KerasName => "flatten";
        public override bool SupportsStep(LayerSpec layer) => false;
        public override bool AcceptsAnyStepCount => true;

        public override LayerSpec Read(ILayerArguments arguments) => new LayerSpec(LayerKind.Flatten);

        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            var shape = inputs[0];
            if (shape.Form != ShapeForm.Sequence)
            {
                var fix = shape.Form == ShapeForm.TokenIds
                    ? "add an [Embedding(dimension)] or a recurrent layer with returnSequences: true before Flatten"
                    : "set returnSequences: true on the previous recurrent layer, or remove the Flatten";
                context.Report(ProblemCode.SequenceExpected, "Flatten", shape.ToString(), fix);
                context.KeepProducer();
                return shape;
            }

            return TensorShape.Vector(SymbolicSize.IsSymbolic(shape.Width) ? shape.Width : (int)System.Math.Min(int.MaxValue, (long)shape.Steps * shape.Width));
        }

        public override void CheckActivationSizes(LayerSpec layer, TensorShape input, TensorShape output, ProblemSink problems)
        {
            decimal steps = input.Steps, width = input.FixedWidth;
            CheckElements(steps * width, Format(steps) + " steps × " + Format(width) + " features", problems);
        }

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.Flatten(inputs[0]);

        /// <summary>A time-major sequence [T, batch, d] as per-row steps one after another, [batch, T·d].</summary>
        public override OnnxValue ExportOnnx(IOnnxGraph graph, string name, LayerSpec layer, OnnxValue input)
        {
            if (input.Kind != OnnxValueKind.Sequence)
                throw new System.NotSupportedException(name + ": Flatten needs a sequence of vectors.");
            string batchMajor = name + "/batch_major", output = name + "/output";
            graph.Node("Transpose", name + "/transpose", new[] { input.Name }, new[] { batchMajor }, OnnxAttribute.OfInts("perm", 1, 0, 2));
            graph.Node("Reshape", name, new[] { batchMajor, graph.Shape(0, (long)input.Steps * input.Width) }, new[] { output });
            return new OnnxValue(output, input.Steps * input.Width, OnnxValueKind.Vector);
        }
    }
}
