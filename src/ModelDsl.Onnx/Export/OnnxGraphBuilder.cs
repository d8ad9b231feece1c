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
                LayerKind.Lstm => Lstm(names[i], layer, value),
                LayerKind.Dropout => value, // identity at inference
                LayerKind.Dense => Dense(names[i], layer, value, isLast: i == spec.Layers.Count - 1),
                _ => throw new NotSupportedException($"ONNX export does not support {layer.Kind} layers ({names[i]})."),
            };
        }
        if (value.Kind != ValueKind.Vector)
            throw new NotSupportedException($"ONNX export needs the model to end in a vector [batch, units]; {spec.Name} ends in a sequence.");
        if (value.Name != OnnxExporter.OutputName)
            _nodes.Add(new NodeProto("Identity", "output", [value.Name], [OnnxExporter.OutputName]));

        bool probabilities = spec.Layers[^1].Activation == ActivationKind.Softmax;
        var graph = new GraphProto(
            spec.Name,
            [.. _nodes],
            [.. _initializers],
            [new ValueInfoProto(OnnxExporter.InputName, TensorDataType.Int64, [Dimension.Named(BatchDimension), Dimension.Fixed(length)],
                $"Token ids in 0..{_model.Vocabulary - 1}, one window of {length} per row.")],
            [new ValueInfoProto(OnnxExporter.OutputName, TensorDataType.Float, [Dimension.Named(BatchDimension), Dimension.Fixed(_model.OutputSize)],
                probabilities ? "Probabilities (softmax) per row." : "Logits per row.")]);

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

    private Value Lstm(string name, LayerSpec layer, Value input)
    {
        int units = Units(layer);
        var x = AsFloatSequence(name, input);
        int inputs = x.Width;

        string w = name + ".W", r = name + ".R", b = name + ".B";
        _initializers.Add(TensorProto.FromFloats(w, [1, 4 * units, inputs], LstmWeights.ToOnnxKernel(_model.Parameter(name + ".kernel"), inputs, units)));
        _initializers.Add(TensorProto.FromFloats(r, [1, 4 * units, units], LstmWeights.ToOnnxKernel(_model.Parameter(name + ".recurrent_kernel"), units, units)));
        _initializers.Add(TensorProto.FromFloats(b, [1, 8 * units], LstmWeights.ToOnnxBias(_model.Parameter(name + ".bias"), units)));

        // Y: [T, 1, batch, H]; Y_h: [1, batch, H]. Default activations (sigmoid, tanh, tanh) are the Keras ones.
        string y = name + "/Y", yh = name + "/Y_h";
        _nodes.Add(new NodeProto("LSTM", name, [x.Name, w, r, b], [y, yh],
            [AttributeProto.Of("hidden_size", (long)units), AttributeProto.Of("direction", "forward")]));

        string output = name + "/output";
        if (layer.ReturnSequences)
        {
            _nodes.Add(new NodeProto("Squeeze", name + "/squeeze", [y, Axes(1)], [output]));
            return new Value(output, units, ValueKind.Sequence);
        }
        _nodes.Add(new NodeProto("Squeeze", name + "/squeeze", [yh, Axes(0)], [output]));
        return new Value(output, units, ValueKind.Vector);
    }

    private Value Dense(string name, LayerSpec layer, Value input, bool isLast)
    {
        if (input.Kind != ValueKind.Vector)
            throw new NotSupportedException($"{name}: a Dense layer needs a vector [batch, units].");
        var kernel = Weight(name + ".kernel");
        var bias = Weight(name + ".bias", [Units(layer)]);
        bool softmax = layer.Activation == ActivationKind.Softmax;
        string logits = isLast && !softmax ? OnnxExporter.OutputName : name + "/logits";
        _nodes.Add(new NodeProto("Gemm", name, [input.Name, kernel.Name, bias.Name], [logits]));
        if (!softmax) return new Value(logits, Units(layer), ValueKind.Vector);

        string probabilities = isLast ? OnnxExporter.OutputName : name + "/softmax";
        _nodes.Add(new NodeProto("Softmax", name + "/softmax", [logits], [probabilities], [AttributeProto.Of("axis", -1L)]));
        return new Value(probabilities, Units(layer), ValueKind.Vector);
    }

    /// <summary>Token ids become one-hot rows [T, batch, V] where a layer needs floats (the LSTM after TokenInput).</summary>
    private Value AsFloatSequence(string consumer, Value input)
    {
        if (input.Kind == ValueKind.Sequence) return input;
        if (input.Kind != ValueKind.TimeMajorIds)
            throw new NotSupportedException($"{consumer}: an LSTM needs a sequence.");
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
