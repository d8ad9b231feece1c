using ModelDsl.Ir;
using ModelDsl.Text;

namespace ModelDsl;

public abstract partial class Model
{
    /// <summary>
    /// Copies pretrained vectors (from <see cref="Word2Vec.LoadAligned"/>, rows aligned to the tokenizer's ids) into an
    /// Embedding layer's table. Declare the layer with <c>trainable: false</c> to keep them fixed, or leave it trainable
    /// to fine-tune them. The shapes must match exactly; nothing is changed otherwise.
    /// </summary>
    public void LoadEmbeddings(AlignedVectors vectors, string layer = "embedding")
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var name = layer + ".embeddings";
        var tensor = ParameterTensors.FirstOrDefault(t => t.Name == name)
            ?? throw new ArgumentException($"{GetType().Name} has no Embedding layer '{layer}' (its tensors: {string.Join(", ", ParameterTensors.Select(t => t.Name))}).", nameof(layer));
        long rows = tensor.Rows.Evaluate(1, Vocabulary), cols = tensor.Cols.Evaluate(1, Vocabulary);
        if (vectors.Rows != rows || vectors.Dimension != cols)
            throw new ArgumentException($"The vectors are [{vectors.Rows}, {vectors.Dimension}] but '{name}' is [{rows}, {cols}]: load them with rows = the model's vocabulary and an Embedding of dimension {vectors.Dimension}.", nameof(vectors));
        vectors.Matrix.AsSpan(0, (int)(rows * cols)).CopyTo(Parameter(name));
    }
}
