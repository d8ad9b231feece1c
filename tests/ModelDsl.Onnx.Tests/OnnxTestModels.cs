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
