using System.Reflection;
using ModelDsl.Ir;
using ModelDsl.Onnx.Proto;

namespace ModelDsl.Onnx.Export;

/// <summary>
/// Walks a model's declared layers and writes the equivalent ONNX graph: ids are transposed to time-major once
/// ([batch, T] → [T, batch]), then each layer's home maps it to standard operators (<see cref="LayerDefinition.ExportOnnx"/>,
/// docs/onnx.md). Weights are copied out of the model when the graph is built.
/// </summary>
internal sealed class OnnxGraphBuilder : IOnnxGraph
{
    private const string BatchDimension = "batch";

    private readonly Model _model;
    private readonly List<NodeProto> _nodes = [];
    private readonly List<TensorProto> _initializers = [];
    private bool _isLast;

    public OnnxGraphBuilder(Model model) => _model = model;

    public int Vocabulary => _model.Vocabulary;
    public bool IsLast => _isLast;
    public string OutputName => OnnxExporter.OutputName;

    public ModelProto Build()
    {
        var spec = _model.Declaration;
        var names = Lowering.LayerNames(spec);
        int length = _model.SequenceLength;

        _nodes.Add(new NodeProto("Transpose", "input/time_major", [OnnxExporter.InputName], ["input/ids"],
            [AttributeProto.Of("perm", 1L, 0L)]));
        var value = new OnnxValue("input/ids", _model.Vocabulary, OnnxValueKind.TimeMajorIds, length);

        for (int i = 1; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            _isLast = i == spec.Layers.Count - 1;
            value = LayerDefinition.For(layer.Kind).ExportOnnx(this, names[i], layer, value);
        }
        if (value.Kind != OnnxValueKind.Vector)
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

    public void Node(string opType, string name, string[] inputs, string[] outputs, params OnnxAttribute[] attributes) =>
        _nodes.Add(new NodeProto(opType, name, inputs, outputs, [.. attributes.Select(Convert)]));

    private static AttributeProto Convert(OnnxAttribute attribute) =>
        attribute.Ints is { } ints ? AttributeProto.Of(attribute.Name, ints)
        : attribute.Int is { } value ? AttributeProto.Of(attribute.Name, value)
        : AttributeProto.Of(attribute.Name, attribute.Text ?? "");

    public string Initializer(string name, long[] dims, float[] values)
    {
        _initializers.Add(TensorProto.FromFloats(name, dims, values));
        return name;
    }

    public float[] Parameter(string name) => _model.Parameter(name).ToArray();

    public string Int64s(string name, long[] dims, long[] values)
    {
        if (!_initializers.Any(t => t.Name == name)) _initializers.Add(TensorProto.FromInt64s(name, dims, values));
        return name;
    }

    /// <summary>Token ids become one-hot rows [T, batch, V] where a layer needs floats (the LSTM after TokenInput).</summary>
    public OnnxValue AsFloatSequence(string consumer, OnnxValue input)
    {
        if (input.Kind == OnnxValueKind.Sequence) return input;
        if (input.Kind != OnnxValueKind.TimeMajorIds)
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
        return new OnnxValue(output, input.Width, OnnxValueKind.Sequence, input.Steps);
    }

    /// <summary>A parameter tensor as an initializer with its Keras shape (or <paramref name="dims"/> for vectors).</summary>
    public string Weight(string parameter, long[]? dims = null)
    {
        var tensor = _model.ParameterTensors.FirstOrDefault(t => t.Name == parameter)
            ?? throw new InvalidOperationException($"{_model.GetType().Name} has no parameter '{parameter}'.");
        dims ??= [tensor.Rows.Evaluate(1, _model.Vocabulary), tensor.Cols.Evaluate(1, _model.Vocabulary)];
        _initializers.Add(TensorProto.FromFloats(parameter, dims, _model.Parameter(parameter)));
        return parameter;
    }

    private static string ProducerVersion() =>
        typeof(Model).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
