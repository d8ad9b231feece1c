using System.Text.Json;
using System.Text.Json.Nodes;
using ModelDsl.Checkpoints;
using ModelDsl.Ir;

namespace ModelDsl;

public abstract partial class Model
{
    /// <summary>Metadata key of the model's configuration (JSON) in a checkpoint.</summary>
    public const string ConfigMetadataKey = "modeldsl.config";

    /// <summary>The model's configuration as JSON: schema version, class, vocabulary and layers.</summary>
    public string ConfigJson()
    {
        var layers = new JsonArray();
        var names = Lowering.LayerNames(Declaration);
        for (int i = 0; i < Declaration.Layers.Count; i++)
        {
            var l = Declaration.Layers[i];
            var o = new JsonObject { ["name"] = names[i], ["kind"] = l.Kind.ToString() };
            int size = SymbolicSize.IsSymbolic(l.Size) ? Vocabulary : l.Size;
            switch (l.Kind)
            {
                case LayerKind.TokenInput: o["length"] = l.Length; o["vocabulary"] = size; break;
                case LayerKind.Embedding: o["dimension"] = size; break;
                case LayerKind.Lstm:
                case LayerKind.Gru:
                case LayerKind.SimpleRnn: o["units"] = size; o["return_sequences"] = l.ReturnSequences; o["bidirectional"] = l.Bidirectional; break;
                case LayerKind.Dropout: o["rate"] = l.Rate; break;
                case LayerKind.Dense: o["units"] = size; o["activation"] = l.Activation.ToString().ToLowerInvariant(); break;
            }
            layers.Add(o);
        }
        var config = new JsonObject
        {
            ["schema_version"] = 1,
            ["model"] = GetType().Name,
            ["vocabulary"] = Vocabulary,
            ["layers"] = layers,
        };
        return config.ToJsonString();
    }

    /// <summary>
    /// Writes the weights as safetensors (tensors named like "lstm.kernel", Keras shapes) with the configuration and
    /// <paramref name="metadata"/> in the header. Crash-safe: written beside the target, then renamed over it.
    /// </summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = WeightTensors();
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [ConfigMetadataKey] = ConfigJson() };
        SafeTensors.Write(path, tensors, meta);
    }

    /// <summary>
    /// Loads weights saved by <see cref="Save"/> (or a training checkpoint written by <see cref="Fit"/>, whose optimizer
    /// state is ignored) into this model. Nothing is changed unless every tensor matches: a missing, extra or differently
    /// shaped tensor is named in the error. Returns the file's metadata.
    /// </summary>
    public IReadOnlyDictionary<string, string> Load(string path)
    {
        var file = SafeTensors.Read(path);
        CheckWeights(file, path);
        CopyWeights(file);
        return file.Metadata;
    }

    /// <summary>Prefix of the optimizer-state tensors in a training checkpoint; <see cref="Load"/> ignores them.</summary>
    internal const string OptimizerTensorPrefix = "optimizer.";

    /// <summary>Every weight tensor present with the right shape, and no tensor the model lacks (optimizer state aside).</summary>
    private void CheckWeights(SafeTensorsFile file, string path)
    {
        foreach (var t in ParameterTensors)
        {
            if (!file.TryGetTensor(t.Name, out var data))
                throw new CheckpointMismatchException($"'{path}' has no tensor '{t.Name}' (it has {string.Join(", ", file.Tensors.Select(x => x.Name))}); it was saved from a different model.");
            var expected = Shape(t);
            if (!data.Shape.SequenceEqual(expected))
                throw new CheckpointMismatchException($"Tensor '{t.Name}' in '{path}' has shape [{string.Join(", ", data.Shape)}] but {GetType().Name} needs [{string.Join(", ", expected)}].");
        }
        foreach (var d in file.Tensors)
            if (!d.Name.StartsWith(OptimizerTensorPrefix, StringComparison.Ordinal) && !ParameterTensors.Any(t => t.Name == d.Name))
                throw new CheckpointMismatchException($"'{path}' has a tensor '{d.Name}' that {GetType().Name} does not have.");
    }

    private void CopyWeights(SafeTensorsFile file)
    {
        foreach (var t in ParameterTensors)
            file[t.Name].Data.CopyTo(Parameter(t.Name));
    }

    /// <summary>The weight tensors, Keras names and shapes, copied out of the flat buffer.</summary>
    private List<TensorData> WeightTensors()
    {
        var tensors = new List<TensorData>(ParameterTensors.Count);
        foreach (var t in ParameterTensors)
            tensors.Add(new TensorData(t.Name, Shape(t), ParameterValues(t.Name).ToArray()));
        return tensors;
    }

    /// <summary>Reads the vocabulary stored in a checkpoint's configuration, to construct the right model before loading.</summary>
    public static int ReadVocabulary(string path)
    {
        var file = SafeTensors.Read(path);
        if (!file.Metadata.TryGetValue(ConfigMetadataKey, out var json))
            throw new CheckpointFormatException($"'{path}' has no '{ConfigMetadataKey}' metadata: not a ModelDsl checkpoint.");
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("vocabulary").GetInt32();
    }

    private int[] Shape(ParameterTensor t)
    {
        int rows = (int)t.Rows.Evaluate(1, Vocabulary), cols = (int)t.Cols.Evaluate(1, Vocabulary);
        return t.IsVector ? new[] { cols } : new[] { rows, cols };
    }
}

/// <summary>A checkpoint does not fit the model it is loaded into.</summary>
public sealed class CheckpointMismatchException(string message) : Exception(message);
