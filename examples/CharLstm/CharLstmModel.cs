using ModelDsl;

namespace CharLstm;

/// <summary>The Keras example's network: 60 characters one-hot → LSTM(128) → softmax over the corpus's characters.</summary>
[Model]
[TokenInput(length: 60)]
[Lstm(128)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class CharLstmModel;
