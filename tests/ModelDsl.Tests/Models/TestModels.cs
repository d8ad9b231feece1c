using ModelDsl;

namespace ModelDsl.Tests.Models;

// Tiny shapes so the float64 interpreter and the ILGPU emulator stay fast.

/// <summary>The seed recipe's shape, miniature: one-hot input → LSTM → softmax over the vocabulary.</summary>
[Model]
[TokenInput(length: 5)]
[Lstm(8)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class TinyCharLstm;

/// <summary>Embedding, a stacked LSTM with dropout between, and logits out.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 11)]
[Embedding(6)]
[Lstm(5, returnSequences: true)]
[Dropout(0.25)]
[Lstm(7)]
[Dropout(0.5)]
[Dense(9)]
public partial class TinyStack;

/// <summary>The seed recipe exactly (used for parameter counts and benchmarks).</summary>
[Model]
[TokenInput(length: 60)]
[Lstm(128)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class SeedCharLstm;

/// <summary>Cols not a multiple of 16 and an odd vocabulary exercise the scalar tails.</summary>
[Model]
[TokenInput(length: 3)]
[Embedding(5)]
[Lstm(20)]
[Dense(Dim.Vocabulary)]
public partial class OddWidths;

/// <summary>Small enough to learn a corpus slice within a unit test.</summary>
[Model]
[TokenInput(length: 20)]
[Lstm(48)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class SmallCharLstm;

/// <summary>One-hot input into a GRU (Keras reset_after formulation).</summary>
[Model]
[TokenInput(length: 4)]
[Gru(6)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class TinyGru;

/// <summary>Every recurrent kind stacked: SimpleRNN and GRU returning sequences, dropout, then an LSTM.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 10)]
[Embedding(5)]
[SimpleRnn(5, returnSequences: true)]
[Gru(4, returnSequences: true)]
[Dropout(0.3)]
[Lstm(3)]
[Dense(6)]
public partial class TinyRecurrentStack;

/// <summary>The seed sentiment classifier in miniature: LSTM over the sequence, Flatten, one sigmoid unit.</summary>
[Model]
[TokenInput(length: 6, vocabulary: 12)]
[Embedding(5)]
[Lstm(4, returnSequences: true)]
[Dropout(0.2)]
[Flatten]
[Dense(1, Activation.Sigmoid)]
public partial class TinySentiment;

/// <summary>Flatten straight into a softmax over the vocabulary.</summary>
[Model]
[TokenInput(length: 3)]
[Embedding(4)]
[SimpleRnn(3, returnSequences: true)]
[Flatten]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class FlattenSoftmax;

/// <summary>A frozen (pretrained) embedding under an LSTM.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 9)]
[Embedding(5, trainable: false)]
[Lstm(6)]
[Dense(9, Activation.Softmax)]
public partial class FrozenEmbedding;

/// <summary>Bidirectional(GRU) on one-hot input, final states concatenated.</summary>
[Model]
[TokenInput(length: 5)]
[Bidirectional]
[Gru(4)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class TinyBiGru;

/// <summary>Stacked bidirectional layers: a returned sequence of width 2·3 feeding a second bidirectional layer.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 9)]
[Embedding(5)]
[Bidirectional]
[Lstm(3, returnSequences: true)]
[Bidirectional]
[SimpleRnn(2)]
[Dense(4)]
public partial class TinyBiStack;

/// <summary>A char-rnn-style language model: a softmax at every step, trained on every position.</summary>
[Model]
[TokenInput(length: 5)]
[Lstm(6, returnSequences: true)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class TinyCharRnn;

/// <summary>Per-step logits after a bidirectional GRU and dropout.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 7)]
[Embedding(3)]
[Bidirectional]
[Gru(3, returnSequences: true)]
[Dropout(0.25)]
[Dense(7)]
public partial class TinyPerStepBi;

/// <summary>mask_zero: padded steps (id 0) skipped by an LSTM returning sequences and a GRU after it.</summary>
[Model]
[TokenInput(length: 6, vocabulary: 8)]
[Embedding(4, maskZero: true)]
[Lstm(5, returnSequences: true)]
[Gru(3)]
[Dense(8)]
public partial class MaskedStack;

/// <summary>mask_zero through a bidirectional SimpleRNN (the backward direction meets the padding last).</summary>
[Model]
[TokenInput(length: 5, vocabulary: 6)]
[Embedding(3, maskZero: true)]
[Bidirectional]
[SimpleRnn(2)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class MaskedBidirectional;

/// <summary>The standard decoder-only block, miniature: positional embedding, one decoder block, softmax per position.</summary>
[Model]
[TokenInput(length: 5, vocabulary: 13)]
[PositionalEmbedding(8)]
[TransformerDecoder(heads: 2, hidden: 12)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class TinyDecoder;

/// <summary>The seed's two-attention block with padding masks, an explicit key size and a longer position table; logits out.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 11)]
[PositionalEmbedding(6, length: 6, maskZero: true)]
[TransformerDecoder(heads: 2, hidden: 10, keySize: 4, attendToInput: true)]
[Dense(Dim.Vocabulary)]
public partial class TinySeedDecoder;

/// <summary>The layers on their own: self-attention with three heads, then LayerNormalization.</summary>
[Model]
[TokenInput(length: 4)]
[PositionalEmbedding(6)]
[MultiHeadAttention(heads: 3)]
[LayerNormalization]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class TinyAttention;

/// <summary>Non-causal attention read as a whole (Flatten) into a classifier.</summary>
[Model]
[TokenInput(length: 3, vocabulary: 9)]
[Embedding(4, maskZero: true)]
[MultiHeadAttention(heads: 2, causal: false)]
[Flatten]
[Dense(3, Activation.Softmax)]
public partial class TinyEncoderClassifier;

/// <summary>The seed Transformer's configuration (parameter counts only: no program is run at this size in tests).</summary>
[Model]
[TokenInput(length: 99, vocabulary: 15000)]
[PositionalEmbedding(256, length: 100, maskZero: true)]
[TransformerDecoder(heads: 2, hidden: 2048, keySize: 256, attendToInput: true)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class SeedTransformerShape;

/// <summary>A position table feeding a recurrent layer: positions without attention (the step program must still stop at the table's end).</summary>
[Model]
[TokenInput(length: 3, vocabulary: 8)]
[PositionalEmbedding(5)]
[Gru(4)]
[Dense(Dim.Vocabulary)]
public partial class PositionalGru;

/// <summary>Odd sizes for the attention and LayerNorm kernels' SIMD tails: 17 positions, width 21, 3 heads of 7, padding masks.</summary>
[Model]
[TokenInput(length: 17, vocabulary: 23)]
[PositionalEmbedding(21, maskZero: true)]
[TransformerDecoder(heads: 3, hidden: 9, attendToInput: true)]
[Dense(Dim.Vocabulary)]
public partial class OddDecoder;

/// <summary>
/// Widths on every SIMD boundary, so each of the generated kernels' loops does real work somewhere: 16 (whole Vector512
/// and Vector256 and Vector128 steps, no tail), 24 (Vector512 + Vector256), 12 (Vector256 + Vector128), 32 classes.
/// </summary>
[Model]
[TokenInput(length: 3, vocabulary: 32)]
[Embedding(16)]
[Lstm(16, returnSequences: true)]
[Gru(24, returnSequences: true)]
[SimpleRnn(12)]
[Dense(32, Activation.Softmax)]
public partial class SimdWidths;

/// <summary>The decoder's kernels (attention, LayerNorm, the feed-forward's pointwise ops) at widths that are multiples of 16.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 16)]
[PositionalEmbedding(32)]
[TransformerDecoder(heads: 2, hidden: 16)]
[Dense(16, Activation.Softmax)]
public partial class SimdWidthDecoder;

/// <summary>Conv1D with same padding (an even kernel: the odd pad step on the right), ReLU, then Flatten → softmax.</summary>
[Model]
[TokenInput(length: 7, vocabulary: 11)]
[Embedding(5)]
[Conv1D(6, kernelSize: 4, padding: Padding.Same, activation: Activation.Relu)]
[Flatten]
[Dense(4, Activation.Softmax)]
public partial class TinyConv;

/// <summary>A dilated causal Conv1D under a recurrent language model: every position trained, tanh, one-hot-free input.</summary>
[Model]
[TokenInput(length: 8)]
[Embedding(6)]
[Conv1D(5, kernelSize: 3, padding: Padding.Causal, dilation: 2, activation: Activation.Tanh)]
[Lstm(7, returnSequences: true)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class CausalConvLm;

/// <summary>A strided, unpadded Conv1D (9 steps → 4), sigmoid, flattened over its own steps → softmax.</summary>
[Model]
[TokenInput(length: 9, vocabulary: 10)]
[Embedding(4)]
[Conv1D(3, kernelSize: 3, strides: 2, activation: Activation.Sigmoid)]
[Flatten]
[Dense(3, Activation.Softmax)]
public partial class StridedConv;

/// <summary>Keras's imdb_cnn shape, miniature: Conv1D + ReLU, global max pooling, a sigmoid classifier.</summary>
[Model]
[TokenInput(length: 9, vocabulary: 12)]
[Embedding(6)]
[Dropout(0.2)]
[Conv1D(5, kernelSize: 3, activation: Activation.Relu)]
[GlobalMaxPooling1D]
[Dense(1, Activation.Sigmoid)]
public partial class ConvMaxPool;

/// <summary>Max pooling of an LSTM's sequence under a padding mask: padded steps never win.</summary>
[Model]
[TokenInput(length: 7, vocabulary: 9)]
[Embedding(5, maskZero: true)]
[Lstm(6, returnSequences: true)]
[GlobalMaxPooling1D]
[Dense(3, Activation.Softmax)]
public partial class MaskedMaxPool;

/// <summary>Average pooling straight over a masked embedding (the mean of the real steps), and over a strided Conv1D.</summary>
[Model]
[TokenInput(length: 6, vocabulary: 8)]
[Embedding(4, maskZero: true)]
[GlobalAveragePooling1D]
[Dense(3, Activation.Softmax)]
public partial class MaskedAveragePool;

/// <summary>A strided Conv1D (tanh) whose 4 steps are averaged.</summary>
[Model]
[TokenInput(length: 8, vocabulary: 10)]
[Embedding(4)]
[Conv1D(3, kernelSize: 2, strides: 2, activation: Activation.Tanh)]
[GlobalAveragePooling1D]
[Dense(2, Activation.Softmax)]
public partial class ConvAveragePool;
