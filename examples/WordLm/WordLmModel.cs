using ModelDsl;

namespace WordLm;

/// <summary>The seed's word-level language model: 20 words → Embedding(100) → LSTM(256) → Dropout(0.2) → softmax over the words.</summary>
[Model]
[TokenInput(length: 20)]
[Embedding(100)]
[Lstm(256)]
[Dropout(0.2)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class WordLmModel;
