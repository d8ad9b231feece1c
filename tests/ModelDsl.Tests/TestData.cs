namespace ModelDsl.Tests;

/// <summary>Finds ../shared/data (or $MODELDSL_DATA_DIR) when it exists; tests fall back to text they write themselves.</summary>
internal static class TestData
{
    /// <summary>
    /// The shared folder found beside the checkout comes first: some tests point MODELDSL_DATA_DIR at a temporary folder
    /// for a moment, and a corpus slice must not depend on when that happens. MODELDSL_TEST_WITHOUT_DATA=1 runs the
    /// tests as a machine without the corpora would.
    /// </summary>
    public static string? Directory()
    {
        if (Environment.GetEnvironmentVariable("MODELDSL_TEST_WITHOUT_DATA") == "1") return null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data");
            if (File.Exists(Path.Combine(candidate, "nietzsche.txt"))) return candidate;
        }
        var env = Environment.GetEnvironmentVariable("MODELDSL_DATA_DIR");
        return !string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "nietzsche.txt")) ? env : null;
    }

    /// <summary>
    /// A slice of Nietzsche when available, else a deterministic English-like text with the same kind of structure
    /// (a few hundred words, repeated phrases), so the learning bound holds either way.
    /// </summary>
    public static string CorpusSlice(int length)
    {
        var dir = Directory();
        if (dir != null)
        {
            var text = ModelDsl.Text.TextNormalization.ReadCorpus(Path.Combine(dir, "nietzsche.txt"), lowerCase: true);
            return text.Substring(0, Math.Min(length, text.Length));
        }
        string[] words = ("the of and to in is that it as for with was his he be not by but are this which from have or one all " +
            "truth philosophers will life man himself what morality spirit soul free good evil power must their there").Split(' ');
        var rng = new ModelDsl.Numerics.Rng(2024);
        var sb = new System.Text.StringBuilder();
        while (sb.Length < length)
        {
            int n = 5 + rng.NextInt(10);
            for (int i = 0; i < n; i++) sb.Append(words[(int)Math.Min(words.Length - 1, -Math.Log(1 - rng.NextDouble()) * 8)]).Append(i + 1 < n ? " " : ". ");
        }
        return sb.ToString(0, length);
    }
}
