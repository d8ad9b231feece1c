namespace ModelDsl.Checkpoints;

/// <summary>
/// Pieces of a file quoted in an error message, cut short: a malformed file must not make a megabyte-long message
/// (a header of 300 000 tensor names, a name or a number a megabyte long).
/// </summary>
internal static class Excerpt
{
    /// <summary>Characters of one quoted piece (a name, a JSON value) kept in a message.</summary>
    public const int MaxLength = 80;

    /// <summary>Names listed before the rest are only counted.</summary>
    public const int MaxNames = 5;

    /// <summary><paramref name="text"/> itself, or its first <paramref name="maxLength"/> characters and how many more there were.</summary>
    public static string Of(string text, int maxLength = MaxLength)
    {
        if (text.Length <= maxLength) return text;
        int keep = char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength; // never half a surrogate pair
        return $"{text[..keep]}… ({text.Length - keep} more characters)";
    }

    /// <summary>The first few names, each cut short, quoted and comma-separated, then "and N more".</summary>
    public static string Names(IReadOnlyCollection<string> names)
    {
        string shown = string.Join(", ", names.Take(MaxNames).Select(n => $"'{Of(n)}'"));
        return names.Count > MaxNames ? $"{shown} and {names.Count - MaxNames} more" : shown;
    }
}
