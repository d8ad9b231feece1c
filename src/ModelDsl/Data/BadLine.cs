namespace ModelDsl.Data;

/// <summary>A line of a tab-separated data file (<see cref="LabelledText"/>, <see cref="SequencePairs"/>) that does not have the expected fields, with why.</summary>
public sealed record BadLine(int LineNumber, string Text, string Reason)
{
    public override string ToString() => $"line {LineNumber}: {Reason}";
}
