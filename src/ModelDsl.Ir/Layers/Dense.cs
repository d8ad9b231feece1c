#nullable enable
using System.Collections.Generic;
using System.Globalization;

namespace ModelDsl.Ir
{
    /// <summary>
    /// <c>[Dense(units, activation = None)]</c>, the output layer: x·W + b over a vector, or over every step of a sequence
    /// (a per-step output, trained on every position). Softmax and sigmoid are fused into the loss while training
    /// (<c>Dense.Lowering.cs</c>). Units may be <c>Dim.Vocabulary</c>.
    /// </summary>
    public sealed class DenseLayer : LayerDefinition
    {
        public override LayerKind Kind => LayerKind.Dense;
        public override string Name => "Dense";
        public override string KerasName => "dense";

        public override LayerSpec Read(ILayerArguments arguments) =>
            new LayerSpec(LayerKind.Dense) { Size = arguments.Int("units"), Activation = (ActivationKind)arguments.Int("activation") };

        public override void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems)
        {
            if (layer.Activation is not (ActivationKind.None or ActivationKind.Softmax or ActivationKind.Sigmoid))
                problems.Report(ProblemCode.UnknownActivation, Name, ActivationKinds.Describe(layer.Activation), "Activation.None, Activation.Softmax or Activation.Sigmoid");
            CheckSize(arguments, "units", layer.Size, vocabularyAllowed: true, problems);
        }

        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            var shape = inputs[0];
            if (layer.Activation == ActivationKind.Sigmoid && layer.Size != 1)
                context.Report(ProblemCode.SigmoidNeedsOneUnit, SymbolicSize.IsSymbolic(layer.Size) ? "Dim.Vocabulary" : layer.Size.ToString(CultureInfo.InvariantCulture));

            // Over a sequence a (last) Dense applies per step: a language model trained on every position.
            var perStep = shape.Form == ShapeForm.Sequence && layer.Activation != ActivationKind.Sigmoid;
            if (shape.Form != ShapeForm.Vector && !perStep)
            {
                var gets = shape.Form == ShapeForm.TokenIds ? "token ids " + shape : "a sequence " + shape + " with a sigmoid";
                var fix = LayerKinds.IsRecurrent(context.Producer) ? "set returnSequences: false on the previous recurrent layer"
                    : context.Producer == LayerKind.Embedding ? "add an [Lstm(units)] between Embedding and Dense"
                    : context.Producer == LayerKind.TokenInput ? "add an [Lstm(units)] between TokenInput and Dense"
                    : "add an [Lstm(units)] or a [GlobalMaxPooling1D] before Dense";
                context.Report(ProblemCode.VectorExpected, "Dense", gets, fix);
            }

            return perStep ? TensorShape.Sequence(shape.Steps, layer.Size) : TensorShape.Vector(layer.Size);
        }

        public override decimal ParameterCount(LayerSpec layer, TensorShape input)
        {
            decimal n = input.FixedWidth, u = Fixed(layer.Size);
            return (n * u) + u;
        }

        public override bool HasSymbolicWeights(LayerSpec layer, TensorShape input) => SymbolicSize.IsSymbolic(input.Width) || SymbolicSize.IsSymbolic(layer.Size);

        public override void CheckActivationSizes(LayerSpec layer, TensorShape input, TensorShape output, ProblemSink problems)
        {
            decimal units = Fixed(layer.Size);
            CheckElements(units, Format(units) + " units", problems);
        }

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.Dense(name, layer, inputs[0], isLast);

        public override void WriteConfig(LayerSpec layer, IConfigWriter config)
        {
            config.AddSize("units", layer.Size);
            config.Add("activation", layer.Activation.ToString().ToLowerInvariant());
        }

        /// <summary>Gemm, then Softmax or Sigmoid; over a sequence it is not exportable (one output per step).</summary>
        public override OnnxValue ExportOnnx(IOnnxGraph graph, string name, LayerSpec layer, OnnxValue input)
        {
            if (input.Kind != OnnxValueKind.Vector)
                throw new System.NotSupportedException(name + ": ONNX export does not support a Dense over a sequence (one output per step); export a model whose last layer outputs one vector.");
            int units = graph.Units(layer.Size);
            var kernel = graph.Weight(name + ".kernel");
            var bias = graph.Weight(name + ".bias", new long[] { units });
            string? activation = layer.Activation switch
            {
                ActivationKind.Softmax => "Softmax",
                ActivationKind.Sigmoid => "Sigmoid",
                _ => null,
            };
            string logits = graph.IsLast && activation is null ? graph.OutputName : name + "/logits";
            graph.Node("Gemm", name, new[] { input.Name, kernel, bias }, new[] { logits });
            if (activation is null) return new OnnxValue(logits, units, OnnxValueKind.Vector);

            string opName = activation == "Softmax" ? "/softmax" : "/sigmoid";
            string probabilities = graph.IsLast ? graph.OutputName : name + opName;
            if (activation == "Softmax") graph.Node("Softmax", name + opName, new[] { logits }, new[] { probabilities }, OnnxAttribute.Of("axis", -1));
            else graph.Node("Sigmoid", name + opName, new[] { logits }, new[] { probabilities });
            return new OnnxValue(probabilities, units, OnnxValueKind.Vector);
        }
    }
}
