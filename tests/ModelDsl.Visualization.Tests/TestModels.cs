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
