#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// The recurrent family (<c>[Lstm]</c>, <c>[Gru]</c>, <c>[SimpleRnn]</c>, each optionally <c>[Bidirectional]</c>): a
    /// sequence [T, n] (or one-hot ids) → [T, units] with returnSequences, else the last state [units]; twice the width when
    /// bidirectional. What differs between the three is the cell: its gate count, its parameters and its step
    /// (<c>Lstm.Lowering.cs</c>, <c>Gru.Lowering.cs</c>, <c>SimpleRnn.Lowering.cs</c>); the time loop, directions, masks and
    /// states are one skeleton (<c>Recurrent.Lowering.cs</c>).
    /// </summary>
    public abstract class RecurrentLayer : LayerDefinition
    {
        /// <summary>Gate blocks per unit (LSTM 4, GRU 3, SimpleRNN 1).</summary>
        public abstract int Gates { get; }

        /// <summary>The ONNX operator (LSTM, GRU, RNN).</summary>
        protected abstract string OnnxOperator { get; }

        public override string DisplayName(LayerSpec layer) => layer.Bidirectional ? "Bidirectional(" + Name + ")" : Name;

        public override string KerasNameOf(LayerSpec layer) => layer.Bidirectional ? "bidirectional" : KerasName;

        /// <summary>A backward direction reads the whole sequence before its first output.</summary>
        public override bool SupportsStep(LayerSpec layer) => !layer.Bidirectional;

        public override LayerSpec Read(ILayerArguments arguments) =>
            new LayerSpec(Kind) { Size = arguments.Int("units"), ReturnSequences = arguments.Bool("returnSequences") };

        public override void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems) =>
            CheckSize(arguments, "units", layer.Size, vocabularyAllowed: false, problems);

        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            var shape = inputs[0];
            if (shape.Form == ShapeForm.Vector)
            {
                var producer = For(context.Producer);
                var fix = producer is RecurrentLayer
                    ? "set returnSequences: true on the previous " + producer.Name
                    : "a " + producer.Name + " layer outputs a vector, so move the " + Name + " before it";
                context.Report(ProblemCode.SequenceExpected, Name, shape.ToString(), fix);
            }

            var width = layer.Bidirectional && !SymbolicSize.IsSymbolic(layer.Size) ? 2 * layer.Size : layer.Size;
            return layer.ReturnSequences ? TensorShape.Sequence(context.Input.Length, width, shape.Masked) : TensorShape.Vector(width);
        }

        public override decimal ParameterCount(LayerSpec layer, TensorShape input)
        {
            decimal directions = layer.Bidirectional ? 2 : 1;
            return directions * CellParameters(input.FixedWidth, Fixed(layer.Size));
        }

        /// <summary>One direction's parameters for <paramref name="n"/> inputs and <paramref name="u"/> units.</summary>
        protected abstract decimal CellParameters(decimal n, decimal u);

        public override bool HasSymbolicWeights(LayerSpec layer, TensorShape input) => SymbolicSize.IsSymbolic(input.Width) || SymbolicSize.IsSymbolic(layer.Size);

        public override void CheckActivationSizes(LayerSpec layer, TensorShape input, TensorShape output, ProblemSink problems)
        {
            decimal steps = input.Steps, units = Fixed(layer.Size);
            CheckElements(Gates * steps * units, (Gates > 1 ? Gates + " gates × " : "") + Format(steps) + " steps × " + Format(units) + " units", problems);
        }

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.Recurrent(name, layer, inputs[0]);

        public override void WriteConfig(LayerSpec layer, IConfigWriter config)
        {
            config.AddSize("units", layer.Size);
            config.Add("return_sequences", layer.ReturnSequences);
            config.Add("bidirectional", layer.Bidirectional);
        }

        /// <summary>One direction's W, R and B in the ONNX operator's layout, from the Keras tensors.</summary>
        protected abstract (float[] W, float[] R, float[] B) OnnxWeights(float[] kernel, float[] recurrent, float[] bias, int inputs, int units);

        /// <summary>Extra attributes of the ONNX operator (the GRU's reset-after form).</summary>
        protected virtual IEnumerable<OnnxAttribute> OnnxAttributes() { yield break; }

        /// <summary>
        /// The ONNX <c>LSTM</c>, <c>GRU</c> or <c>RNN</c> operator with W, R, B stacked over the directions (forward first);
        /// its default activations are the Keras ones.
        /// </summary>
        public override OnnxValue ExportOnnx(IOnnxGraph graph, string name, LayerSpec layer, OnnxValue input)
        {
            int units = graph.Units(layer.Size);
            var x = graph.AsFloatSequence(name, input);
            if (x.Masked)
                throw new System.NotSupportedException(name + ": ONNX export of a recurrent layer under a padding mask (maskZero) is not supported: ONNX's "
                    + OnnxOperator + " cannot skip padded steps inside a sequence, so the export would compute other values; export a model without maskZero.");
            int inputs = x.Width;
            string[] prefixes = layer.Bidirectional ? new[] { name + ".forward_" + KerasName, name + ".backward_" + KerasName } : new[] { name };
            int directions = prefixes.Length;
            var w = new List<float>();
            var r = new List<float>();
            var b = new List<float>();
            foreach (var prefix in prefixes)
            {
                var (dw, dr, db) = OnnxWeights(graph.Parameter(prefix + ".kernel"), graph.Parameter(prefix + ".recurrent_kernel"), graph.Parameter(prefix + ".bias"), inputs, units);
                w.AddRange(dw);
                r.AddRange(dr);
                b.AddRange(db);
            }

            string wName = graph.Initializer(name + ".W", new long[] { directions, Gates * units, inputs }, w.ToArray());
            string rName = graph.Initializer(name + ".R", new long[] { directions, Gates * units, units }, r.ToArray());
            string bName = graph.Initializer(name + ".B", new long[] { directions, 2 * Gates * units }, b.ToArray());

            // Y: [T, dirs, batch, H]; Y_h: [dirs, batch, H].
            var attributes = new List<OnnxAttribute>
            {
                OnnxAttribute.Of("hidden_size", units),
                OnnxAttribute.Of("direction", directions == 2 ? "bidirectional" : "forward"),
            };
            attributes.AddRange(OnnxAttributes());
            string y = name + "/Y", yh = name + "/Y_h";
            graph.Node(OnnxOperator, name, new[] { x.Name, wName, rName, bName }, new[] { y, yh }, attributes.ToArray());

            string output = name + "/output";
            if (directions == 1)
            {
                if (layer.ReturnSequences)
                {
                    graph.Node("Squeeze", name + "/squeeze", new[] { y, graph.Axes(1) }, new[] { output });
                    return new OnnxValue(output, units, OnnxValueKind.Sequence, x.Steps);
                }
                graph.Node("Squeeze", name + "/squeeze", new[] { yh, graph.Axes(0) }, new[] { output });
                return new OnnxValue(output, units, OnnxValueKind.Vector);
            }

            // Bidirectional (merge mode concat): [fwd, bwd] side by side per row.
            if (layer.ReturnSequences)
            {
                string steps = name + "/Y_steps";
                graph.Node("Transpose", name + "/transpose", new[] { y }, new[] { steps }, OnnxAttribute.OfInts("perm", 0, 2, 1, 3)); // [T, batch, 2, H]
                graph.Node("Reshape", name + "/concat", new[] { steps, graph.Shape(0, 0, 2 * units) }, new[] { output });
                return new OnnxValue(output, 2 * units, OnnxValueKind.Sequence, x.Steps);
            }
            string finals = name + "/Y_h_rows";
            graph.Node("Transpose", name + "/transpose", new[] { yh }, new[] { finals }, OnnxAttribute.OfInts("perm", 1, 0, 2)); // [batch, 2, H]
            graph.Node("Reshape", name + "/concat", new[] { finals, graph.Shape(0, 2 * units) }, new[] { output });
            return new OnnxValue(output, 2 * units, OnnxValueKind.Vector);
        }
    }

    /// <summary>
    /// <c>[Lstm(units, returnSequences = false)]</c>, Keras <c>LSTM</c>: gates i, f, c, o; kernel glorot-uniform, recurrent
    /// kernel orthogonal, forget-gate bias 1. Cell: <c>Lstm.Lowering.cs</c>.
    /// </summary>
    public sealed class LstmLayer : RecurrentLayer
    {
        public override LayerKind Kind => LayerKind.Lstm;
        public override string Name => "Lstm";
        public override string KerasName => "lstm";
        public override int Gates => 4;
        protected override string OnnxOperator => "LSTM";

        protected override decimal CellParameters(decimal n, decimal u) => (4 * u * (n + u)) + (4 * u);

        protected override (float[] W, float[] R, float[] B) OnnxWeights(float[] kernel, float[] recurrent, float[] bias, int inputs, int units) =>
            (OnnxWeightLayouts.LstmKernel(kernel, inputs, units), OnnxWeightLayouts.LstmKernel(recurrent, units, units), OnnxWeightLayouts.LstmBias(bias, units));
    }

    /// <summary>
    /// <c>[Gru(units, returnSequences = false)]</c>, Keras <c>GRU</c> with reset_after (separate input and recurrent biases,
    /// [2, 3H]); gates z, r, h. Cell: <c>Gru.Lowering.cs</c>. ONNX: <c>GRU</c> with linear_before_reset = 1.
    /// </summary>
    public sealed class GruLayer : RecurrentLayer
    {
        public override LayerKind Kind => LayerKind.Gru;
        public override string Name => "Gru";
        public override string KerasName => "gru";
        public override int Gates => 3;
        protected override string OnnxOperator => "GRU";

        protected override decimal CellParameters(decimal n, decimal u) => 3 * u * (n + u + 2);

        protected override (float[] W, float[] R, float[] B) OnnxWeights(float[] kernel, float[] recurrent, float[] bias, int inputs, int units) =>
            (OnnxWeightLayouts.Transpose(kernel, inputs, 3 * units), OnnxWeightLayouts.Transpose(recurrent, units, 3 * units), OnnxWeightLayouts.GruBias(bias, units));

        protected override IEnumerable<OnnxAttribute> OnnxAttributes()
        {
            yield return OnnxAttribute.Of("linear_before_reset", 1);
        }
    }

    /// <summary><c>[SimpleRnn(units, returnSequences = false)]</c>, Keras <c>SimpleRNN</c>: h' = tanh(x·W + h·U + b). Cell: <c>SimpleRnn.Lowering.cs</c>.</summary>
    public sealed class SimpleRnnLayer : RecurrentLayer
    {
        public override LayerKind Kind => LayerKind.SimpleRnn;
        public override string Name => "SimpleRnn";
        public override string KerasName => "simple_rnn";
        public override int Gates => 1;
        protected override string OnnxOperator => "RNN";

        protected override decimal CellParameters(decimal n, decimal u) => (u * (n + u)) + u;

        protected override (float[] W, float[] R, float[] B) OnnxWeights(float[] kernel, float[] recurrent, float[] bias, int inputs, int units) =>
            (OnnxWeightLayouts.Transpose(kernel, inputs, units), OnnxWeightLayouts.Transpose(recurrent, units, units), OnnxWeightLayouts.SimpleRnnBias(bias, units));
    }
}
