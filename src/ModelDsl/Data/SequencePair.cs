namespace ModelDsl.Data;

/// <summary>One example of a sequence-to-sequence task: the text a model reads and the text it should write.</summary>
public readonly record struct SequencePair(string Source, string Target);
