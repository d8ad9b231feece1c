using ModelDsl.Ir;

namespace ModelDsl;

/// <summary>Sizes that are bound when the model is created rather than typed into the declaration.</summary>
public static class Dim
{
    /// <summary>The corpus vocabulary: pass it to the generated constructor, e.g. <c>new CharLstm(vocabulary: tokenizer.Size)</c>.</summary>
    public const int Vocabulary = SymbolicSize.Vocabulary;
}

/// <summary>Activation of a <see cref="DenseAttribute"/> layer.</summary>
public enum Activation
{
    None = 0,
    Softmax = 1,
    /// <summary>For a one-unit binary classifier (targets 0 and 1), trained with binary cross-entropy; σ(x) in a Conv1D.</summary>
    Sigmoid = 2,
    /// <summary>max(x, 0): for a <see cref="Conv1DAttribute"/>.</summary>
    Relu = 3,
    /// <summary>tanh(x): for a <see cref="Conv1DAttribute"/>.</summary>
    Tanh = 4,
}

/// <summary>Marks a <c>partial class</c> as a ModelDsl model: its layer attributes, in order, declare the network.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ModelAttribute : Attribute;

/// <summary>Base of the layer attributes. Layers apply in the order they are written.</summary>
public abstract class LayerAttribute : Attribute;

/// <summary>
/// Integer token ids of a fixed <paramref name="length"/>. Followed by <see cref="EmbeddingAttribute"/> the ids are looked up;
/// followed directly by a recurrent layer they act as one-hot vectors (as in the Keras character example), computed as a row gather.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TokenInputAttribute(int length, int vocabulary = Dim.Vocabulary) : LayerAttribute
{
    public int Length { get; } = length;
    public int Vocabulary { get; } = vocabulary;
}

/// <summary>A lookup table from token ids to vectors of <paramref name="dimension"/>, trainable unless <paramref name="trainable"/> is false.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EmbeddingAttribute(int dimension, bool trainable = true, bool maskZero = false) : LayerAttribute
{
    public int Dimension { get; } = dimension;
    /// <summary>
    /// Keras <c>mask_zero</c>: id 0 is padding. Recurrent layers downstream skip padded steps (their state and output
    /// carry over unchanged), so padding changes no output and no gradient.
    /// </summary>
    public bool MaskZero { get; } = maskZero;
    /// <summary>False freezes the table (e.g. pretrained word2vec vectors copied into <c>embedding.embeddings</c>): it gets no gradient.</summary>
    public bool Trainable { get; } = trainable;
}

/// <summary>A long short-term memory layer (Keras <c>LSTM</c>: gates i, f, c, o; forget-gate bias initialised to 1).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute(int units, bool returnSequences = false) : LayerAttribute
{
    public int Units { get; } = units;
    public bool ReturnSequences { get; } = returnSequences;
}

/// <summary>
/// A gated recurrent unit layer in Keras's current formulation (<c>reset_after=True</c>: the reset gate multiplies the
/// recurrent product, which has its own bias): z = σ(x·W_z + h·U_z + b), r = σ(x·W_r + h·U_r + b),
/// ĥ = tanh(x·W_h + b + r ⊙ (h·U_h + b')), h' = z ⊙ h + (1 − z) ⊙ ĥ. Gate order z, r, h.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute(int units, bool returnSequences = false) : LayerAttribute
{
    public int Units { get; } = units;
    public bool ReturnSequences { get; } = returnSequences;
}

/// <summary>A fully recurrent layer with tanh: h' = tanh(x·W + h·U + b) (Keras <c>SimpleRNN</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SimpleRnnAttribute(int units, bool returnSequences = false) : LayerAttribute
{
    public int Units { get; } = units;
    public bool ReturnSequences { get; } = returnSequences;
}

/// <summary>
/// Wraps the recurrent layer written right after it (Keras <c>Bidirectional</c>, merge mode "concat"): a forward and a
/// backward copy whose outputs are concatenated, e.g. <c>[Bidirectional][Gru(100)]</c> gives width 200.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BidirectionalAttribute : LayerAttribute;

/// <summary>Flattens a sequence [T, d] into a vector [T·d] (time-major per sample, as Keras's <c>Flatten</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute;

/// <summary>Inverted dropout during training; identity at inference.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute(double rate) : LayerAttribute
{
    public double Rate { get; } = rate;
}

/// <summary>A fully connected layer. Use <see cref="Dim.Vocabulary"/> for a softmax over the corpus vocabulary.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute(int units, Activation activation = Activation.None) : LayerAttribute
{
    public int Units { get; } = units;
    public Activation Activation { get; } = activation;
}

/// <summary>
/// Token ids to vectors of <paramref name="dimension"/>: a token embedding plus a learned embedding of each position
/// (the seed's <c>PositionalEmbedding</c>). <paramref name="length"/> is the size of the position table (0: the input
/// length); an input longer than the table is a compile-time error (MDSL0025). With <paramref name="maskZero"/>, id 0 is
/// padding and attention layers ignore padded keys.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PositionalEmbeddingAttribute(int dimension, int length = 0, bool maskZero = false) : LayerAttribute
{
    public int Dimension { get; } = dimension;
    public int Length { get; } = length;
    public bool MaskZero { get; } = maskZero;
}

/// <summary>
/// Multi-head self-attention (Keras <c>MultiHeadAttention</c> with query = key = value = the input): <paramref name="heads"/>
/// heads of <paramref name="keySize"/> dimensions (0: input width / heads, which must divide: MDSL0024), scaled
/// dot-product scores, a softmax over the allowed positions, and an output projection back to the input width.
/// <paramref name="causal"/> (the default) lets position t see positions ≤ t only; padded keys are ignored when the
/// embedding masks id 0. Output [T, width]: no residual and no normalisation (see <see cref="TransformerDecoderAttribute"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MultiHeadAttentionAttribute(int heads, int keySize = 0, bool causal = true) : LayerAttribute
{
    public int Heads { get; } = heads;
    public int KeySize { get; } = keySize;
    public bool Causal { get; } = causal;
}

/// <summary>Normalises each position's features to mean 0 and variance 1 (ε = 1e−3, as Keras), then scales by γ and shifts by β.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormalizationAttribute : LayerAttribute;

/// <summary>
/// A post-LayerNorm Transformer decoder block over a sequence: causal self-attention (<paramref name="heads"/> heads of
/// <paramref name="keySize"/>, 0: width / heads), residual + LayerNorm, a ReLU feed-forward of <paramref name="hidden"/>
/// units back to the width, residual + LayerNorm. <paramref name="attendToInput"/> reproduces the seed's block, which is
/// called as <c>decoder(x, x)</c>: a second causal attention, with queries from the first sublayer and keys and values from
/// the block's own input, and its own residual + LayerNorm, before the feed-forward.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TransformerDecoderAttribute(int heads, int hidden, int keySize = 0, bool attendToInput = false) : LayerAttribute
{
    public int Heads { get; } = heads;
    public int Hidden { get; } = hidden;
    public int KeySize { get; } = keySize;
    public bool AttendToInput { get; } = attendToInput;
}

/// <summary>How a <see cref="Conv1DAttribute"/> pads the sequence (Keras <c>padding</c>).</summary>
public enum Padding
{
    /// <summary>No padding: only windows that fit, T_out = ⌊(T − dilation·(kernelSize − 1) − 1) / strides⌋ + 1.</summary>
    Valid = 0,
    /// <summary>Zeros around the sequence (the odd one on the right), T_out = ⌈T / strides⌉.</summary>
    Same = 1,
    /// <summary>Zeros on the left only, so step t sees steps ≤ t (for generative models), T_out = ⌈T / strides⌉.</summary>
    Causal = 2,
}

/// <summary>
/// A 1-D convolution over the steps of a sequence (Keras <c>Conv1D</c>): <paramref name="filters"/> outputs per window of
/// <paramref name="kernelSize"/> steps <paramref name="dilation"/> apart, windows <paramref name="strides"/> steps apart,
/// then <paramref name="activation"/> (None, Relu, Tanh or Sigmoid). Kernel [kernelSize, input width, filters],
/// glorot-uniform; bias zeros. It does not take an embedding's padding mask (MDSL0030), as Keras.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv1DAttribute(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilation = 1, Activation activation = Activation.None) : LayerAttribute
{
    public int Filters { get; } = filters;
    public int KernelSize { get; } = kernelSize;
    public int Strides { get; } = strides;
    public Padding Padding { get; } = padding;
    public int Dilation { get; } = dilation;
    public Activation Activation { get; } = activation;
}

/// <summary>
/// The maximum of each feature over the steps: [T, d] → [d] (Keras <c>GlobalMaxPooling1D</c>). Under an embedding's
/// padding mask, padded steps are left out (a row with no real step gives 0).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalMaxPooling1DAttribute : LayerAttribute;

/// <summary>
/// The mean of each feature over the steps: [T, d] → [d] (Keras <c>GlobalAveragePooling1D</c>). Under an embedding's
/// padding mask, the mean of the real steps only (a row with no real step gives 0).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAveragePooling1DAttribute : LayerAttribute;
