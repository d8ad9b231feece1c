namespace ModelDsl.Text;

/// <summary>Which end of a sequence <see cref="SequencePadding.Pad"/> pads or cuts (Keras <c>'pre'</c> / <c>'post'</c>).</summary>
public enum PadSide
{
    /// <summary>At the start: padding goes before the ids; truncation keeps the last ids. The Keras default for both.</summary>
    Pre,

    /// <summary>At the end: padding goes after the ids; truncation keeps the first ids.</summary>
    Post,
}
