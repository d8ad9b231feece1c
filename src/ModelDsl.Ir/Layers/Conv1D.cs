#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// <c>[Conv1D(filters, kernelSize, strides = 1, padding = Valid, dilation = 1, activation = None)]</c>, Keras
    /// <c>Conv1D</c>: out[t] = act(b + Σ_j x[t·s + j·d − padLeft]·W_j) over a sequence [T, C] → [T_out, filters]. The kernel
    /// is Keras's [kernelSize, C, filters], stored as [kernelSize·C, filters] (the same memory order); glorot-uniform with
    /// Keras's fans (kernelSize·C in, kernelSize·filters out); bias zeros.
    /// Lowering (<c>Conv1D.Lowering.cs</c>): one product per tap over every step at once (one per tap and step when
    /// strided), zero rows for the padding. Not stepped (no one-step program), no padding mask (as Keras).
    /// </summary>
    public sealed class Conv1DLayer : LayerDefinition
    {
        public override LayerKind Kind => LayerKind.Conv1D;
        public override string Name => "Conv1D";
        public override string KerasName => "conv1d";
        public override bool AcceptsAnyStepCount => true;
        public override bool SupportsStep(LayerSpec layer) => false;

        public override LayerSpec Read(ILayerArguments arguments) =>
            new LayerSpec(LayerKind.Conv1D)
            {
                Size = arguments.Int("filters"), KernelSize = arguments.Int("kernelSize"), Strides = arguments.Int("strides"),
                Padding = (PaddingKind)arguments.Int("padding"), Dilation = arguments.Int("dilation"), Activation = (ActivationKind)arguments.Int("activation"),
            };

        public override void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems)
        {
            CheckSize(arguments, "filters", layer.Size, vocabularyAllowed: false, problems);
            CheckSize(arguments, "kernelSize", layer.KernelSize, vocabularyAllowed: false, problems);
            CheckSize(arguments, "strides", layer.Strides, vocabularyAllowed: false, problems);
            CheckSize(arguments, "dilation", layer.Dilation, vocabularyAllowed: false, problems);
            if (layer.Padding is not (PaddingKind.Valid or PaddingKind.Same or PaddingKind.Causal))
                problems.Report(ProblemCode.InvalidArgument, Name, "padding", "(Padding)" + (int)layer.Padding, "is not a padding; use Padding.Valid, Padding.Same or Padding.Causal");
            if (layer.Strides > 1 && layer.Dilation > 1)
                problems.Report(ProblemCode.InvalidArgument, Name, "strides", layer.Strides, "is not supported with a dilation above 1 (Keras refuses it too); use strides: 1 or dilation: 1");
            if (layer.Activation is not (ActivationKind.None or ActivationKind.Relu or ActivationKind.Tanh or ActivationKind.Sigmoid))
                problems.Report(ProblemCode.UnknownActivation, Name, ActivationKinds.Describe(layer.Activation), "Activation.None, Activation.Relu, Activation.Tanh or Activation.Sigmoid");
        }

        /// <summary>Steps covered by one window: d·(k − 1) + 1.</summary>
        public static int Window(LayerSpec layer) => layer.Dilation * (layer.KernelSize - 1) + 1;

        /// <summary>The output's steps for <paramref name="steps"/> input steps.</summary>
        public static int OutputSteps(LayerSpec layer, int steps) => layer.Padding == PaddingKind.Valid
            ? (steps - Window(layer)) / layer.Strides + 1
            : (steps + layer.Strides - 1) / layer.Strides;

        /// <summary>Zero steps before and after the sequence (TensorFlow's "same": the odd one on the right).</summary>
        public static (int Left, int Right) Pads(LayerSpec layer, int steps)
        {
            if (layer.Padding == PaddingKind.Causal) return (Window(layer) - 1, 0);
            if (layer.Padding == PaddingKind.Valid) return (0, 0);
            int total = System.Math.Max((OutputSteps(layer, steps) - 1) * layer.Strides + Window(layer) - steps, 0);
            return (total / 2, total - total / 2);
        }

        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            var shape = inputs[0];
            if (!RequireSequence(context, shape, "add an [Embedding(dimension)] before it",
                "set returnSequences: true on the previous recurrent layer, or move the Conv1D before the layer that makes a vector"))
            {
                return shape.Form == ShapeForm.TokenIds ? TensorShape.Sequence(shape.Steps, layer.Size) : shape;
            }

            if (shape.Masked)
            {
                string masking = "an Embedding";
                for (int i = context.Index - 1; i > 0; i--)
                    if (context.Layers[i].MaskZero) { masking = For(context.Layers[i].Kind).Name; break; }
                context.Report(ProblemCode.MaskNotSupported, Name, masking, "remove maskZero, or pool or run a recurrent layer before it");
            }

            if (layer.Padding == PaddingKind.Valid && Window(layer) > shape.Steps)
            {
                context.Report(ProblemCode.SequenceTooShort, Name, Window(layer), layer.KernelSize, layer.Dilation, shape.Steps);
                return TensorShape.Sequence(1, layer.Size);
            }

            return TensorShape.Sequence(OutputSteps(layer, shape.Steps), layer.Size);
        }

        public override decimal ParameterCount(LayerSpec layer, TensorShape input) => ((decimal)layer.KernelSize * input.FixedWidth * layer.Size) + layer.Size;

        public override void CheckActivationSizes(LayerSpec layer, TensorShape input, TensorShape output, ProblemSink problems)
        {
            decimal steps = input.Steps + layer.Dilation * (decimal)(layer.KernelSize - 1), width = input.FixedWidth;
            CheckElements(steps * width, Format(steps) + " padded steps × " + Format(width) + " channels", problems);
            CheckElements((decimal)output.Steps * layer.Size, Format(output.Steps) + " steps × " + Format(layer.Size) + " filters", problems);
        }

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.Conv1D(name, layer, inputs[0]);

        public override void WriteConfig(LayerSpec layer, IConfigWriter config)
        {
            config.Add("filters", layer.Size);
            config.Add("kernel_size", layer.KernelSize);
            config.Add("strides", layer.Strides);
            config.Add("padding", layer.Padding.ToString().ToLowerInvariant());
            config.Add("dilation_rate", layer.Dilation);
            config.Add("activation", layer.Activation.ToString().ToLowerInvariant());
        }

        /// <summary>
        /// ONNX <c>Conv</c> over [batch, C, T] (the sequence transposed from time-major), with the padding as its pads, W
        /// [filters, C, kernelSize] from Keras's [kernelSize, C, filters]; then the activation; back to [T_out, batch, filters].
        /// </summary>
        public override OnnxValue ExportOnnx(IOnnxGraph graph, string name, LayerSpec layer, OnnxValue input)
        {
            if (input.Kind != OnnxValueKind.Sequence)
                throw new System.NotSupportedException(name + ": a Conv1D needs a sequence of vectors.");
            int k = layer.KernelSize, c = input.Width, f = layer.Size;
            var keras = graph.Parameter(name + ".kernel");
            var onnx = new float[f * c * k];
            for (int j = 0; j < k; j++)
                for (int ci = 0; ci < c; ci++)
                    for (int fi = 0; fi < f; fi++)
                        onnx[(fi * c + ci) * k + j] = keras[(j * c + ci) * f + fi];
            string w = graph.Initializer(name + ".W", new long[] { f, c, k }, onnx);
            string b = graph.Weight(name + ".bias", new long[] { f });
            var (left, right) = Pads(layer, input.Steps);
            string channels = name + "/channels_first", conv = name + "/conv", z = name + "/z", output = name + "/output";
            graph.Node("Transpose", name + "/to_channels_first", new[] { input.Name }, new[] { channels }, OnnxAttribute.OfInts("perm", 1, 2, 0));
            graph.Node("Conv", name, new[] { channels, w, b }, new[] { conv },
                OnnxAttribute.OfInts("kernel_shape", k), OnnxAttribute.OfInts("strides", layer.Strides), OnnxAttribute.OfInts("dilations", layer.Dilation),
                OnnxAttribute.OfInts("pads", left, right));
            string activated = conv;
            if (layer.Activation != ActivationKind.None)
            {
                activated = z;
                graph.Node(layer.Activation == ActivationKind.Relu ? "Relu" : layer.Activation == ActivationKind.Tanh ? "Tanh" : "Sigmoid",
                    name + "/activation", new[] { conv }, new[] { z });
            }
            graph.Node("Transpose", name + "/to_time_major", new[] { activated }, new[] { output }, OnnxAttribute.OfInts("perm", 2, 0, 1));
            return new OnnxValue(output, f, OnnxValueKind.Sequence, OutputSteps(layer, input.Steps));
        }
    }
}
