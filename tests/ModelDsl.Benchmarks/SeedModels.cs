using ModelDsl;

namespace ModelDsl.Benchmarks;

/// <summary>The seed recipe's network (one-hot 57 → LSTM 128 → softmax), as in the anchors.</summary>
[Model]
[TokenInput(length: 60)]
[Lstm(128)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class SeedCharLstm;
