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

/// <summary>
/// The anchors' Transformer workload (torch_anchors.py's Decoder): 99 ids of a 15,000 vocabulary, token + position
/// embedding 256, the seed's two-attention decoder block with 2 heads of 128 (PyTorch's MultiheadAttention splits the
/// width), feed-forward 2,048, logits at every position.
/// </summary>
[Model]
[TokenInput(length: 99, vocabulary: 15000)]
[PositionalEmbedding(256, length: 100)]
[TransformerDecoder(heads: 2, hidden: 2048, attendToInput: true)]
[Dense(Dim.Vocabulary)]
public partial class AnchorDecoder;
