#nullable enable
using System;
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// The shapes of a declared model, computed once in one walk from its input to its output: every consumer (the
    /// generator's diagnostics, the lowering, the summary, the ONNX exporter) reads this result instead of deriving the
    /// flow again. Needs a model that starts with its only TokenInput (the generator checks that first).
    /// </summary>
    public sealed class ShapeFlow
    {
        private ShapeFlow(TensorShape[] inputs, TensorShape[] outputs, IReadOnlyList<LayerProblem> problems)
        {
            Inputs = inputs;
            Outputs = outputs;
            Problems = problems;
        }

        /// <summary>The shape each layer reads (the TokenInput's is its own ids).</summary>
        public IReadOnlyList<TensorShape> Inputs { get; }

        /// <summary>The shape each layer gives.</summary>
        public IReadOnlyList<TensorShape> Outputs { get; }

        /// <summary>Shape problems, in layer order: none for a model the generator accepted.</summary>
        public IReadOnlyList<LayerProblem> Problems { get; }

        public TensorShape Output => Outputs[Outputs.Count - 1];

        public static ShapeFlow Of(ModelSpec spec) => Compute(spec.Layers);

        public static ShapeFlow Compute(IReadOnlyList<LayerSpec> layers)
        {
            if (layers.Count == 0 || layers[0].Kind != LayerKind.TokenInput)
                throw new ArgumentException("The first layer must be TokenInput.", nameof(layers));
            var sink = new ProblemSink();
            var inputs = new TensorShape[layers.Count];
            var outputs = new TensorShape[layers.Count];
            var shape = TensorShape.TokenIds(layers[0].Length, layers[0].Size);
            inputs[0] = outputs[0] = shape;
            var producer = LayerKind.TokenInput;
            var one = new TensorShape[1];
            for (int i = 1; i < layers.Count; i++)
            {
                var layer = layers[i];
                sink.Layer = i;
                var context = new ShapeContext(layers, i, producer, sink);
                inputs[i] = shape;
                one[0] = shape;
                var definition = LayerDefinition.For(layer.Kind);
                if (shape.Form == ShapeForm.Sequence && shape.Steps != layers[0].Length && !definition.AcceptsAnyStepCount)
                    sink.Report(ProblemCode.StepCountNotSupported, definition.Name, shape.Steps, layers[0].Length);
                shape = definition.InferShape(context, layer, one);
                outputs[i] = shape;
                if (!context.KeepsProducer) producer = layer.Kind;
            }
            return new ShapeFlow(inputs, outputs, sink.Problems);
        }

        /// <summary>
        /// The compile-time size checks of a valid flow: activations too large to address, per layer, and the parameter
        /// count (a symbolic vocabulary counted as 0; <paramref name="hasSymbolicWeights"/> says whether that left some out).
        /// </summary>
        public static IReadOnlyList<LayerProblem> CheckSizes(IReadOnlyList<LayerSpec> layers, ShapeFlow flow, out decimal parameters, out bool hasSymbolicWeights)
        {
            var sink = new ProblemSink();
            parameters = 0m;
            hasSymbolicWeights = false;
            for (int i = 1; i < layers.Count; i++)
            {
                sink.Layer = i;
                var definition = LayerDefinition.For(layers[i].Kind);
                parameters += definition.ParameterCount(layers[i], flow.Inputs[i]);
                hasSymbolicWeights |= definition.HasSymbolicWeights(layers[i], flow.Inputs[i]);
                definition.CheckActivationSizes(layers[i], flow.Inputs[i], flow.Outputs[i], sink);
            }
            return sink.Problems;
        }
    }
}
