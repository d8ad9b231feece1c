namespace ModelDsl.Data;

/// <summary>One record of a <c>sentence&lt;TAB&gt;label</c> file, with the 1-based line it came from.</summary>
public readonly record struct LabelledSentence(string Sentence, int Label, int LineNumber);
