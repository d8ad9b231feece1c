namespace ModelDsl.Data;

/// <summary>A line of a labelled-text file that is not <c>sentence&lt;TAB&gt;integer</c>, with why.</summary>
public sealed record BadLine(int LineNumber, string Text, string Reason)
{
    public override string ToString() => $"line {LineNumber}: {Reason}";
}
