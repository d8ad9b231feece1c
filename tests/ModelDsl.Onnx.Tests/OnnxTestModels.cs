using ModelDsl;

namespace ModelDsl.Onnx.Tests;

// Tiny shapes: every export is checked against ONNX Runtime, and the LSTM gate reordering must show in every gate.

/// <summary>One-hot input → LSTM → softmax over the vocabulary (the char-LSTM recipe, miniature).</summary>
[Model]
[TokenInput(length: 5)]
[Lstm(8)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class OneHotLstmSoftmax;

/// <summary>Embedding → LSTM returning sequences → Dropout → LSTM → Dense logits.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 11)]
[Embedding(6)]
[Lstm(5, returnSequences: true)]
[Dropout(0.25)]
[Lstm(7)]
[Dense(9)]
public partial class EmbeddingStackedLstmLogits;

/// <summary>Embedding → LSTM → Dense logits over the vocabulary.</summary>
[Model]
[TokenInput(length: 3)]
[Embedding(5)]
[Lstm(20)]
[Dense(Dim.Vocabulary)]
public partial class EmbeddingLstmDense;

/// <summary>One-hot input → GRU → softmax over the vocabulary.</summary>
[Model]
[TokenInput(length: 5)]
[Gru(6)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class OneHotGruSoftmax;

/// <summary>Embedding → SimpleRNN returning sequences → GRU → Dense logits.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 10)]
[Embedding(5)]
[SimpleRnn(4, returnSequences: true)]
[Gru(3)]
[Dense(7)]
public partial class EmbeddingRnnGruLogits;

/// <summary>Embedding → Bidirectional LSTM returning sequences → Bidirectional GRU → Dense logits.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 9)]
[Embedding(4)]
[Bidirectional]
[Lstm(3, returnSequences: true)]
[Bidirectional]
[Gru(2)]
[Dense(5)]
public partial class EmbeddingBidirectionalLstmGru;

/// <summary>Embedding → Bidirectional SimpleRNN → Dense logits.</summary>
[Model]
[TokenInput(length: 3, vocabulary: 8)]
[Embedding(3)]
[Bidirectional]
[SimpleRnn(4)]
[Dense(6)]
public partial class EmbeddingBidirectionalRnn;

/// <summary>Embedding → LSTM returning sequences → Flatten → Dense(1, sigmoid): a binary classifier.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 12)]
[Embedding(3)]
[Lstm(5, returnSequences: true)]
[Flatten]
[Dense(1, Activation.Sigmoid)]
public partial class EmbeddingLstmFlattenSigmoid;

/// <summary>Embedding → LSTM returning sequences → Dense per step: not exportable (one output per step).</summary>
[Model]
[TokenInput(length: 3, vocabulary: 8)]
[Embedding(3)]
[Lstm(4, returnSequences: true)]
[Dense(Dim.Vocabulary)]
public partial class EmbeddingLstmPerStep;

/// <summary>Conv1D with same padding and an even kernel (the odd pad step on the right), ReLU, Flatten, softmax.</summary>
[Model]
[TokenInput(length: 9, vocabulary: 12)]
[Embedding(6)]
[Conv1D(5, kernelSize: 4, padding: Padding.Same, activation: Activation.Relu)]
[Flatten]
[Dense(4, Activation.Softmax)]
public partial class ConvSameFlatten;

/// <summary>Two causal dilated Conv1D layers (tanh, then none), Flatten, logits.</summary>
[Model]
[TokenInput(length: 8, vocabulary: 10)]
[Embedding(5)]
[Conv1D(6, kernelSize: 3, padding: Padding.Causal, dilation: 2, activation: Activation.Tanh)]
[Conv1D(4, kernelSize: 2, padding: Padding.Causal)]
[Flatten]
[Dense(3)]
public partial class CausalConvStack;

/// <summary>A strided, unpadded Conv1D (9 steps → 4), sigmoid, Flatten over its own steps, softmax.</summary>
[Model]
[TokenInput(length: 9, vocabulary: 10)]
[Embedding(4)]
[Conv1D(3, kernelSize: 3, strides: 2, activation: Activation.Sigmoid)]
[Flatten]
[Dense(3, Activation.Softmax)]
public partial class StridedConvFlatten;

/// <summary>Keras's imdb_cnn shape: Conv1D + ReLU, GlobalMaxPooling1D (ONNX ReduceMax over the steps), sigmoid.</summary>
[Model]
[TokenInput(length: 10, vocabulary: 12)]
[Embedding(6)]
[Conv1D(5, kernelSize: 3, activation: Activation.Relu)]
[GlobalMaxPooling1D]
[Dense(1, Activation.Sigmoid)]
public partial class ConvGlobalMaxPool;

/// <summary>A strided Conv1D (tanh) averaged over its steps (ONNX ReduceMean), softmax.</summary>
[Model]
[TokenInput(length: 8, vocabulary: 10)]
[Embedding(4)]
[Conv1D(3, kernelSize: 2, strides: 2, padding: Padding.Same, activation: Activation.Tanh)]
[GlobalAveragePooling1D]
[Dense(2, Activation.Softmax)]
public partial class ConvGlobalAveragePool;

/// <summary>Average pooling under a padding mask: not exportable (a clear error), as are masked recurrent layers.</summary>
[Model]
[TokenInput(length: 6, vocabulary: 8)]
[Embedding(4, maskZero: true)]
[GlobalAveragePooling1D]
[Dense(3, Activation.Softmax)]
public partial class MaskedAveragePoolExport;

/// <summary>A recurrent layer under a padding mask: ONNX's LSTM cannot skip padded steps inside a sequence, so not exportable.</summary>
[Model]
[TokenInput(length: 6, vocabulary: 8)]
[Embedding(4, maskZero: true)]
[Lstm(5)]
[Dense(3, Activation.Softmax)]
public partial class MaskedLstmExport;
