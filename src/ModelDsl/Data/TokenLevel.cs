namespace ModelDsl.Data;

/// <summary>What a <see cref="PairVocabulary"/> token is.</summary>
public enum TokenLevel
{
    /// <summary>One UTF-16 code unit, as in Keras's character-level <c>lstm_seq2seq</c> and <c>addition_rnn</c>.</summary>
    Char,

    /// <summary>A run of characters between white space (<see cref="char.IsWhiteSpace(char)"/>), as Python's <c>str.split()</c>.</summary>
    Word,
}
