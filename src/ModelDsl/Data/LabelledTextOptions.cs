namespace ModelDsl.Data;

/// <summary>How <see cref="LabelledText"/> reads a <c>sentence&lt;TAB&gt;label</c> file.</summary>
public sealed record LabelledTextOptions
{
    /// <summary>Which characters end a line; <see cref="Data.LineEnds.Universal"/> (LF, CRLF, CR) by default.</summary>
    public LineEnds LineEnds { get; init; } = LineEnds.Universal;

    /// <summary>Collect bad lines in <see cref="LabelledText.BadLines"/> instead of throwing at the first.</summary>
    public bool SkipBadLines { get; init; }

    /// <summary>Replace C1 control characters in sentences by their Windows-1252 characters (<see cref="Text.Windows1252.RepairC1Controls"/>): NEL becomes "…".</summary>
    public bool RepairWindows1252 { get; init; }
}
