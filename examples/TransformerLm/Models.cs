using ModelDsl;

namespace TransformerLm;

/// <summary>
/// The seed's Transformer text generator: sequences of 100 words, read as 99 input ids (0 is padding; the targets are the
/// same sequence shifted by one) → token + position embedding (256, a table of 100 positions) → the seed's
/// decoder block, which attends twice (causal self-attention, then attention over its own input) with 2 heads of
/// key size 256 and a 2,048-wide ReLU feed-forward → softmax over the vocabulary at every position.
/// </summary>
[Model]
[TokenInput(length: 99)]
[PositionalEmbedding(256, length: 100, maskZero: true)]
[TransformerDecoder(heads: 2, hidden: 2048, keySize: 256, attendToInput: true)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class SeedTransformerLm;

/// <summary>The standard decoder-only block in the same configuration: one causal self-attention, then the feed-forward.</summary>
[Model]
[TokenInput(length: 99)]
[PositionalEmbedding(256, length: 100, maskZero: true)]
[TransformerDecoder(heads: 2, hidden: 2048, keySize: 256)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class DecoderLm;
