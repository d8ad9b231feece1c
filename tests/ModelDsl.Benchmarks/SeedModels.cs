using ModelDsl;

namespace ModelDsl.Benchmarks;

/// <summary>The seed recipe's network (one-hot 57 → LSTM 128 → softmax), as in the anchors.</summary>
[Model]
[TokenInput(length: 60)]
[Lstm(128)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class SeedCharLstm;

/// <summary>The anchors' larger workload: one-hot 65 → LSTM 512 ×2 → Dense, seq 100, a loss at every step.</summary>
[Model]
[TokenInput(length: 100)]
[Lstm(512, returnSequences: true)]
[Lstm(512, returnSequences: true)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class StackedLstm512;
