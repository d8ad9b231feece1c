namespace ModelDsl.Data;

/// <summary>How <see cref="SequencePairs"/> reads a <c>source&lt;TAB&gt;target</c> file.</summary>
public sealed record SequencePairsOptions
{
    /// <summary>Which characters end a line; <see cref="Data.LineEnds.Universal"/> (LF, CRLF, CR) by default.</summary>
    public LineEnds LineEnds { get; init; } = LineEnds.Universal;

    /// <summary>Collect bad lines in <see cref="SequencePairs.BadLines"/> instead of throwing at the first.</summary>
    public bool SkipBadLines { get; init; }
}
