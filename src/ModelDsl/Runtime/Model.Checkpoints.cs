using System.Text.Json;
using System.Text.Json.Nodes;
using ModelDsl.Checkpoints;
using ModelDsl.Ir;
using ModelDsl.Runtime;

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
            LayerDefinition.For(l.Kind).WriteConfig(l, new JsonConfigWriter(o, Vocabulary));
            layers.Add(o);
        }
        var config = new JsonObject
        {
            ["schema_version"] = ConfigSchemaVersion,
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
    /// shaped tensor is named in the error, and so is the first NaN or infinity in a weight, unless
    /// <paramref name="allowNonFinite"/> is set (to inspect a run that diverged). Returns the file's metadata.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The file is malformed, or holds a non-finite weight and <paramref name="allowNonFinite"/> is false.</exception>
    /// <exception cref="CheckpointMismatchException">The file holds another model's tensors.</exception>
    public IReadOnlyDictionary<string, string> Load(string path, bool allowNonFinite = false)
    {
        var file = SafeTensors.Read(path);
        CheckWeights(file, path);
        if (!allowNonFinite) CheckFinite(file, path, ParameterTensors.Select(t => t.Name), "Load(path, allowNonFinite: true) loads it anyway.");
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
                throw new CheckpointMismatchException($"'{path}' has no tensor '{t.Name}' (it has {Excerpt.Names(file.Tensors.Select(x => x.Name).ToArray())}); it was saved from a different model.");
            var expected = Shape(t);
            if (!data.Shape.SequenceEqual(expected))
                throw new CheckpointMismatchException($"Tensor '{t.Name}' in '{path}' has shape [{string.Join(", ", data.Shape)}] but {GetType().Name} needs [{string.Join(", ", expected)}].");
        }
        var names = ParameterTensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var d in file.Tensors)
            if (!d.Name.StartsWith(OptimizerTensorPrefix, StringComparison.Ordinal) && !names.Contains(d.Name))
                throw new CheckpointMismatchException($"'{path}' has a tensor '{Excerpt.Of(d.Name)}' that {GetType().Name} does not have.");
    }

    /// <summary>
    /// Every value of the named tensors finite: a NaN or an infinity loaded into the weights would only show up later, as a
    /// NaN loss or a NaN sample. Names the first offending tensor, value and index.
    /// </summary>
    private static void CheckFinite(SafeTensorsFile file, string path, IEnumerable<string> tensors, string remedy)
    {
        foreach (var name in tensors)
        {
            var tensor = file[name];
            if (NonFiniteSearch.AllFinite(tensor.Data)) continue;
            int index = 0;
            while (float.IsFinite(tensor.Data[index])) index++;
            string at = tensor.Shape is [_, var columns] && columns > 0 ? $" (row {index / columns}, column {index % columns})" : "";
            throw new CheckpointFormatException(
                $"Tensor '{name}' in '{path}' holds {tensor.Data[index].ToString(System.Globalization.CultureInfo.InvariantCulture)} at flat index {index}{at}: " +
                $"the run that saved it diverged, or the file is corrupt. {remedy}");
        }
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
    /// <exception cref="CheckpointFormatException">The file is malformed, has no configuration, or its configuration is not
    /// valid JSON of schema version 1 with a positive 32-bit "vocabulary".</exception>
    public static int ReadVocabulary(string path)
    {
        var file = SafeTensors.Read(path);
        if (!file.Metadata.TryGetValue(ConfigMetadataKey, out var json))
            throw new CheckpointFormatException($"'{path}' has no '{ConfigMetadataKey}' metadata: not a ModelDsl checkpoint.");
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new FormatException($"it is a JSON {root.ValueKind}, not an object");
            if (!root.TryGetProperty("schema_version", out var version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out int schema) || schema != ConfigSchemaVersion)
                throw new FormatException($"its schema_version is {(version.ValueKind == JsonValueKind.Undefined ? "missing" : Excerpt.Of(version.GetRawText()))}; this ModelDsl reads version {ConfigSchemaVersion}");
            if (!root.TryGetProperty("vocabulary", out var vocabulary))
                throw new FormatException("it has no \"vocabulary\"");
            if (vocabulary.ValueKind != JsonValueKind.Number || !vocabulary.TryGetInt32(out int size) || size < 1)
                throw new FormatException($"its \"vocabulary\" is {Excerpt.Of(vocabulary.GetRawText())}, not a positive 32-bit integer");
            return size;
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"'{path}' has an invalid '{ConfigMetadataKey}': not valid JSON ({Excerpt.Of(e.Message, 200)}).", e);
        }
        catch (FormatException e)
        {
            throw new CheckpointFormatException($"'{path}' has an invalid '{ConfigMetadataKey}': {e.Message}.", e);
        }
    }

    private const int ConfigSchemaVersion = 1;

    private int[] Shape(ParameterTensor t)
    {
        int rows = (int)t.Rows.Evaluate(1, Vocabulary), cols = (int)t.Cols.Evaluate(1, Vocabulary);
        return t.IsVector ? new[] { cols } : new[] { rows, cols };
    }
}

/// <summary>A checkpoint does not fit the model it is loaded into.</summary>
public sealed class CheckpointMismatchException(string message) : Exception(message);

/// <summary>Writes a layer's configuration fields into its JSON object.</summary>
internal sealed class JsonConfigWriter(JsonObject target, int vocabulary) : IConfigWriter
{
    public void Add(string key, int value) => target[key] = value;
    public void AddSize(string key, int value) => target[key] = SymbolicSize.IsSymbolic(value) ? vocabulary : value;
    public void Add(string key, bool value) => target[key] = value;
    public void Add(string key, double value) => target[key] = value;
    public void Add(string key, string value) => target[key] = value;
}
