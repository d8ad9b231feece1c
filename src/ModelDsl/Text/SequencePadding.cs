namespace ModelDsl.Text;

/// <summary>Keras's <c>pad_sequences</c>: id sequences of any length to rows of one length.</summary>
public static class SequencePadding
{
    /// <summary>
    /// Each sequence cut to <paramref name="maxLength"/> (dropping ids at the <paramref name="truncating"/> end) and
    /// filled with <paramref name="value"/> at the <paramref name="padding"/> end. Keras's defaults are
    /// <see cref="PadSide.Pre"/> for both; null <paramref name="maxLength"/> means the longest sequence.
    /// </summary>
    public static int[][] Pad(IEnumerable<int[]> sequences, int? maxLength = null,
        PadSide padding = PadSide.Pre, PadSide truncating = PadSide.Pre, int value = 0)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var input = sequences as IReadOnlyList<int[]> ?? sequences.ToList();
        if (maxLength is < 0)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must not be negative.");
        int length = maxLength ?? (input.Count == 0 ? 0 : input.Max(s => s?.Length ?? 0));

        var rows = new int[input.Count][];
        for (int i = 0; i < input.Count; i++)
        {
            int[] sequence = input[i] ?? throw new ArgumentException($"Sequence {i} is null.", nameof(sequences));
            var row = new int[length];
            if (value != 0) Array.Fill(row, value);
            int kept = Math.Min(length, sequence.Length);
            ReadOnlySpan<int> ids = truncating == PadSide.Pre
                ? sequence.AsSpan(sequence.Length - kept)
                : sequence.AsSpan(0, kept);
            ids.CopyTo(padding == PadSide.Pre ? row.AsSpan(length - kept) : row.AsSpan(0, kept));
            rows[i] = row;
        }
        return rows;
    }
}
