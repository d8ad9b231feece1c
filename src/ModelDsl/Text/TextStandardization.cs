namespace ModelDsl.Text;

/// <summary>The <c>standardize</c> step of <see cref="TextVectorizer"/> (Keras <c>TextVectorization</c>).</summary>
public enum TextStandardization
{
    /// <summary>Text used as it is.</summary>
    None,

    /// <summary>ASCII letters lower-cased, as <c>tf.strings.lower</c> does with its default encoding.</summary>
    Lower,

    /// <summary>Every character of <see cref="TextVectorizer.StrippedPunctuation"/> removed.</summary>
    StripPunctuation,

    /// <summary><see cref="Lower"/> then <see cref="StripPunctuation"/>: the Keras default.</summary>
    LowerAndStripPunctuation,
}
