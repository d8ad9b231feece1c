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
