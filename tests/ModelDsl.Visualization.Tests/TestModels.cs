using ModelDsl;

namespace ModelDsl.Visualization.Tests;

/// <summary>The Keras character-LSTM at its real size (parameter counts only; never trained here).</summary>
[Model]
[TokenInput(length: 60)]
[Lstm(128)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class KerasCharLstm;

/// <summary>Small enough to train a few batches in a unit test.</summary>
[Model]
[TokenInput(length: 6)]
[Embedding(4)]
[Lstm(8)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class TinyCharLstm;

/// <summary>A frozen (pretrained) embedding: its 45 weights are not trainable.</summary>
[Model]
[TokenInput(length: 4, vocabulary: 9)]
[Embedding(5, trainable: false)]
[Lstm(6)]
[Dense(9, Activation.Softmax)]
public partial class FrozenEmbeddingLstm;
