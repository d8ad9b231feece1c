namespace ModelDsl.Checkpoints;

/// <summary>The contents of a safetensors file: its string metadata and its tensors in file order.</summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, TensorData> _byName;

    public SafeTensorsFile(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<TensorData> tensors)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        Metadata = metadata;
        Tensors = tensors;
        _byName = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (!_byName.TryAdd(tensor.Name, tensor))
                throw new ArgumentException($"Duplicate tensor name '{tensor.Name}'.", nameof(tensors));
        }
    }

    /// <summary>The <c>__metadata__</c> entries (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in the order of their data in the file.</summary>
    public IReadOnlyList<TensorData> Tensors { get; }

    /// <summary>The tensor named <paramref name="name"/>; throws <see cref="CheckpointFormatException"/> naming it when absent.</summary>
    public TensorData this[string name] =>
        _byName.TryGetValue(name, out var tensor)
            ? tensor
            : throw new CheckpointFormatException($"The checkpoint has no tensor named '{name}'.");

    /// <summary>The tensor named <paramref name="name"/>, if present.</summary>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TensorData? tensor) =>
        _byName.TryGetValue(name, out tensor);
}
