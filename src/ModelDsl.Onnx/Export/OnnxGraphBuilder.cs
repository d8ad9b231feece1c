using System.Reflection;
using ModelDsl.Ir;
using ModelDsl.Onnx.Proto;

namespace ModelDsl.Onnx.Export;

/// <summary>
/// Walks a model's declared layers and writes the equivalent ONNX graph: ids are transposed to time-major once
/// ([batch, T] → [T, batch]), then each layer maps to standard operators (see docs/onnx.md). Weights are copied out
/// of the model when the graph is built.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private const string BatchDimension = "batch";

    private readonly Model _model;
    private readonly List<NodeProto> _nodes = [];
    private readonly List<TensorProto> _initializers = [];

    public OnnxGraphBuilder(Model model) => _model = model;

    /// <summary>What flows between layers: token ids still to be one-hot encoded, a sequence [T, batch, W] or a vector [batch, W].</summary>
    private sealed record Value(string Name, int Width, ValueKind Kind);

    private enum ValueKind { TimeMajorIds, Sequence, Vector }

    public ModelProto Build()
    {
        var spec = _model.Declaration;
        var names = Lowering.LayerNames(spec);
        int length = _model.SequenceLength;

        _nodes.Add(new NodeProto("Transpose", "input/time_major", [OnnxExporter.InputName], ["input/ids"],
            [AttributeProto.Of("perm", 1L, 0L)]));
        var value = new Value("input/ids", _model.Vocabulary, ValueKind.TimeMajorIds);

        for (int i = 1; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            value = layer.Kind switch
            {
                LayerKind.Embedding => Embedding(names[i], value),
                LayerKind.Lstm or LayerKind.Gru or LayerKind.SimpleRnn => Recurrent(names[i], layer, value),
                LayerKind.Flatten => Flatten(names[i], value),
                LayerKind.Dropout => value, // identity at inference
                LayerKind.Dense => Dense(names[i], layer, value, isLast: i == spec.Layers.Count - 1),
                _ => throw new NotSupportedException($"ONNX export does not support {layer.Kind} layers ({names[i]})."),
            };
        }
        if (value.Kind != ValueKind.Vector)
            throw new NotSupportedException($"ONNX export needs the model to end in a vector [batch, units]; {spec.Name} ends in a sequence: export a model whose last layer outputs one vector.");
        if (value.Name != OnnxExporter.OutputName)
            _nodes.Add(new NodeProto("Identity", "output", [value.Name], [OnnxExporter.OutputName]));

        var activation = spec.Layers[^1].Activation;
        var graph = new GraphProto(
            spec.Name,
            [.. _nodes],
            [.. _initializers],
            [new ValueInfoProto(OnnxExporter.InputName, TensorDataType.Int64, [Dimension.Named(BatchDimension), Dimension.Fixed(length)],
                $"Token ids in 0..{_model.Vocabulary - 1}, one window of {length} per row.")],
            [new ValueInfoProto(OnnxExporter.OutputName, TensorDataType.Float, [Dimension.Named(BatchDimension), Dimension.Fixed(_model.OutputSize)],
                activation switch
                {
                    ActivationKind.Softmax => "Probabilities (softmax) per row.",
                    ActivationKind.Sigmoid => "Probabilities (sigmoid) per row.",
                    _ => "Logits per row.",
                })]);

        return new ModelProto(
            OnnxExporter.IrVersion,
            OnnxExporter.OpsetVersion,
            "ModelDsl",
            ProducerVersion(),
            $"{spec.Name}: exported by ModelDsl for ONNX opset {OnnxExporter.OpsetVersion}.",
            graph,
            [new(Model.ConfigMetadataKey, _model.ConfigJson())]);
    }

    private Value Embedding(string name, Value input)
    {
        if (input.Kind != ValueKind.TimeMajorIds)
            throw new NotSupportedException($"{name}: an Embedding must read token ids.");
        var table = Weight(name + ".embeddings");
        string output = name + "/output";
        _nodes.Add(new NodeProto("Gather", name, [table.Name, input.Name], [output], [AttributeProto.Of("axis", 0L)]));
        return new Value(output, (int)table.Dims[1], ValueKind.Sequence);
    }

    /// <summary>
    /// LSTM, GRU or SimpleRNN, optionally Bidirectional: the ONNX <c>LSTM</c>, <c>GRU</c> (linear_before_reset = 1, the
    /// Keras reset_after form) or <c>RNN</c> (tanh) operator with W, R, B stacked over the directions (forward first).
    /// </summary>
    private Value Recurrent(string name, LayerSpec layer, Value input)
    {
        int units = Units(layer);
        var x = AsFloatSequence(name, input);
        int inputs = x.Width;
        var (op, gates, cell) = layer.Kind switch
        {
            LayerKind.Lstm => ("LSTM", 4, "lstm"),
            LayerKind.Gru => ("GRU", 3, "gru"),
            LayerKind.SimpleRnn => ("RNN", 1, "simple_rnn"),
            _ => throw new NotSupportedException($"{name}: {layer.Kind} is not a recurrent layer."),
        };
        string[] prefixes = layer.Bidirectional ? [name + ".forward_" + cell, name + ".backward_" + cell] : [name];
        int directions = prefixes.Length;

        var wValues = new List<float>();
        var rValues = new List<float>();
        var bValues = new List<float>();
        foreach (var prefix in prefixes)
        {
            var kernel = _model.Parameter(prefix + ".kernel");
            var recurrent = _model.Parameter(prefix + ".recurrent_kernel");
            var bias = _model.Parameter(prefix + ".bias");
            switch (layer.Kind)
            {
                case LayerKind.Lstm:
                    wValues.AddRange(LstmWeights.ToOnnxKernel(kernel, inputs, units));
                    rValues.AddRange(LstmWeights.ToOnnxKernel(recurrent, units, units));
                    bValues.AddRange(LstmWeights.ToOnnxBias(bias, units));
                    break;
                case LayerKind.Gru:
                    wValues.AddRange(RecurrentWeights.Transpose(kernel, inputs, 3 * units));
                    rValues.AddRange(RecurrentWeights.Transpose(recurrent, units, 3 * units));
                    bValues.AddRange(RecurrentWeights.ToOnnxGruBias(bias, units));
                    break;
                default:
                    wValues.AddRange(RecurrentWeights.Transpose(kernel, inputs, units));
                    rValues.AddRange(RecurrentWeights.Transpose(recurrent, units, units));
                    bValues.AddRange(RecurrentWeights.ToOnnxSimpleRnnBias(bias, units));
                    break;
            }
        }

        string w = name + ".W", r = name + ".R", b = name + ".B";
        _initializers.Add(TensorProto.FromFloats(w, [directions, gates * units, inputs], [.. wValues]));
        _initializers.Add(TensorProto.FromFloats(r, [directions, gates * units, units], [.. rValues]));
        _initializers.Add(TensorProto.FromFloats(b, [directions, 2 * gates * units], [.. bValues]));

        // Y: [T, dirs, batch, H]; Y_h: [dirs, batch, H]. Default activations (LSTM sigmoid/tanh/tanh, GRU sigmoid/tanh,
        // RNN tanh) are the Keras ones.
        var attributes = new List<AttributeProto>
        {
            AttributeProto.Of("hidden_size", (long)units),
            AttributeProto.Of("direction", directions == 2 ? "bidirectional" : "forward"),
        };
        if (layer.Kind == LayerKind.Gru) attributes.Add(AttributeProto.Of("linear_before_reset", 1L));
        string y = name + "/Y", yh = name + "/Y_h";
        _nodes.Add(new NodeProto(op, name, [x.Name, w, r, b], [y, yh], [.. attributes]));

        string output = name + "/output";
        if (directions == 1)
        {
            if (layer.ReturnSequences)
            {
                _nodes.Add(new NodeProto("Squeeze", name + "/squeeze", [y, Axes(1)], [output]));
                return new Value(output, units, ValueKind.Sequence);
            }
            _nodes.Add(new NodeProto("Squeeze", name + "/squeeze", [yh, Axes(0)], [output]));
            return new Value(output, units, ValueKind.Vector);
        }

        // Bidirectional (merge mode concat): [fwd, bwd] side by side per row.
        if (layer.ReturnSequences)
        {
            string steps = name + "/Y_steps";
            _nodes.Add(new NodeProto("Transpose", name + "/transpose", [y], [steps], [AttributeProto.Of("perm", 0L, 2L, 1L, 3L)])); // [T, batch, 2, H]
            _nodes.Add(new NodeProto("Reshape", name + "/concat", [steps, Shape(0, 0, 2 * units)], [output]));
            return new Value(output, 2 * units, ValueKind.Sequence);
        }
        string finals = name + "/Y_h_rows";
        _nodes.Add(new NodeProto("Transpose", name + "/transpose", [yh], [finals], [AttributeProto.Of("perm", 1L, 0L, 2L)])); // [batch, 2, H]
        _nodes.Add(new NodeProto("Reshape", name + "/concat", [finals, Shape(0, 2 * units)], [output]));
        return new Value(output, 2 * units, ValueKind.Vector);
    }

    /// <summary>Keras Flatten of a time-major sequence [T, batch, d]: per row the steps one after another, [batch, T·d].</summary>
    private Value Flatten(string name, Value input)
    {
        if (input.Kind != ValueKind.Sequence)
            throw new NotSupportedException($"{name}: Flatten needs a sequence of vectors.");
        int length = _model.SequenceLength;
        string batchMajor = name + "/batch_major", output = name + "/output";
        _nodes.Add(new NodeProto("Transpose", name + "/transpose", [input.Name], [batchMajor], [AttributeProto.Of("perm", 1L, 0L, 2L)]));
        _nodes.Add(new NodeProto("Reshape", name, [batchMajor, Shape(0, (long)length * input.Width)], [output]));
        return new Value(output, length * input.Width, ValueKind.Vector);
    }

    private Value Dense(string name, LayerSpec layer, Value input, bool isLast)
    {
        if (input.Kind != ValueKind.Vector)
            throw new NotSupportedException(
                $"{name}: ONNX export does not support a Dense over a sequence (one output per step); export a model whose last layer outputs one vector.");
        var kernel = Weight(name + ".kernel");
        var bias = Weight(name + ".bias", [Units(layer)]);
        var (activation, opName) = layer.Activation switch
        {
            ActivationKind.Softmax => ("Softmax", "/softmax"),
            ActivationKind.Sigmoid => ("Sigmoid", "/sigmoid"),
            _ => ((string?)null, ""),
        };
        string logits = isLast && activation is null ? OnnxExporter.OutputName : name + "/logits";
        _nodes.Add(new NodeProto("Gemm", name, [input.Name, kernel.Name, bias.Name], [logits]));
        if (activation is null) return new Value(logits, Units(layer), ValueKind.Vector);

        string probabilities = isLast ? OnnxExporter.OutputName : name + opName;
        _nodes.Add(activation == "Softmax"
            ? new NodeProto("Softmax", name + opName, [logits], [probabilities], [AttributeProto.Of("axis", -1L)])
            : new NodeProto("Sigmoid", name + opName, [logits], [probabilities]));
        return new Value(probabilities, Units(layer), ValueKind.Vector);
    }

    /// <summary>Token ids become one-hot rows [T, batch, V] where a layer needs floats (the LSTM after TokenInput).</summary>
    private Value AsFloatSequence(string consumer, Value input)
    {
        if (input.Kind == ValueKind.Sequence) return input;
        if (input.Kind != ValueKind.TimeMajorIds)
            throw new NotSupportedException($"{consumer}: a recurrent layer needs a sequence.");
        const string depth = "input/one_hot_depth", values = "input/one_hot_values";
        if (!_initializers.Any(t => t.Name == depth))
        {
            _initializers.Add(TensorProto.FromInt64s(depth, [], [input.Width]));
            _initializers.Add(TensorProto.FromFloats(values, [2], [0f, 1f]));
        }
        string output = "input/one_hot";
        if (!_nodes.Any(n => n.Outputs.Contains(output)))
            _nodes.Add(new NodeProto("OneHot", "input/one_hot", [input.Name, depth, values], [output], [AttributeProto.Of("axis", -1L)]));
        return new Value(output, input.Width, ValueKind.Sequence);
    }

    /// <summary>An int64 shape for Reshape (0 keeps that input dimension, e.g. the dynamic batch).</summary>
    private string Shape(params long[] dims)
    {
        string name = "shape_" + string.Join("_", dims.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (!_initializers.Any(t => t.Name == name)) _initializers.Add(TensorProto.FromInt64s(name, [dims.Length], dims));
        return name;
    }

    private string Axes(long axis)
    {
        string name = "axes_" + axis.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!_initializers.Any(t => t.Name == name)) _initializers.Add(TensorProto.FromInt64s(name, [1], [axis]));
        return name;
    }

    /// <summary>A parameter tensor as an initializer with its Keras shape (or <paramref name="dims"/> for vectors).</summary>
    private TensorProto Weight(string parameter, long[]? dims = null)
    {
        var tensor = _model.ParameterTensors.FirstOrDefault(t => t.Name == parameter)
            ?? throw new InvalidOperationException($"{_model.GetType().Name} has no parameter '{parameter}'.");
        dims ??= [tensor.Rows.Evaluate(1, _model.Vocabulary), tensor.Cols.Evaluate(1, _model.Vocabulary)];
        var initializer = TensorProto.FromFloats(parameter, dims, _model.Parameter(parameter));
        _initializers.Add(initializer);
        return initializer;
    }

    private int Units(LayerSpec layer) => SymbolicSize.IsSymbolic(layer.Size) ? _model.Vocabulary : layer.Size;

    private static string ProducerVersion() =>
        typeof(Model).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
