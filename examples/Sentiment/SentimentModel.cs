using ModelDsl;

namespace Sentiment;

/// <summary>
/// The seed's LSTM sentiment classifier: review sentences padded or truncated to 30 words, an embedding, LSTM(50) over
/// every step, dropout, flatten, and one sigmoid unit trained with binary cross-entropy.
/// </summary>
[Model]
[TokenInput(length: Program.MaxLength)]
[Embedding(32)]
[Lstm(50, returnSequences: true)]
[Dropout(0.2)]
[Flatten]
[Dense(1, Activation.Sigmoid)]
public partial class SentimentModel;
