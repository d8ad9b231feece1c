using ModelDsl;

namespace ModelDsl.MpiRanks;

/// <summary>A small next-token model for the agreement, resume and fault tests (no dropout: see docs/distributed.md).</summary>
[Model]
[TokenInput(length: 12)]
[Lstm(24)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class SmallLstm;

/// <summary>The seed model's shape (examples/CharLstm) for the benchmark.</summary>
[Model]
[TokenInput(length: 60)]
[Lstm(128)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class SeedLstm;
