using Xunit;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// The generated source of each model in <see cref="ModelSources.BaselineCases"/> must equal its checked-in baseline,
/// tests/ModelDsl.Tests/Baselines/&lt;Case&gt;.g.cs.txt. Run with MODELDSL_UPDATE_BASELINES=1 to rewrite the baselines from
/// the current generator and delete the ones no case produces any more; a missing baseline fails.
/// </summary>
public sealed class BaselineTests
{
    private const string UpdateVariable = "MODELDSL_UPDATE_BASELINES";
    private const string Extension = ".g.cs.txt";

    private static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    private static string BaselineDirectory => Path.Combine(GeneratorHarness.RepositoryRoot, "tests", "ModelDsl.Tests", "Baselines");

    public static TheoryData<string> Cases => new(ModelSources.BaselineCases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedSourceMatchesBaseline(string caseName)
    {
        var run = GeneratorHarness.Run(ModelSources.BaselineCases[caseName]);
        Assert.Empty(run.ModelDiagnostics);
        var actual = Normalize(Assert.Single(run.Sources).Text);

        var path = Path.Combine(BaselineDirectory, caseName + Extension);
        if (Updating)
        {
            Directory.CreateDirectory(BaselineDirectory);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), "No baseline for '" + caseName + "' at " + path + ". Create it by running the tests with " + UpdateVariable + "=1, then review and commit it.");
        var expected = Normalize(File.ReadAllText(path));
        var difference = FirstDifference(expected, actual);
        Assert.True(difference is null, "Generated source for '" + caseName + "' differs from " + path + ":\n" + difference
            + "\nIf the change is intended, rerun with " + UpdateVariable + "=1 and review the diff.");
    }

    [Fact]
    public void EveryBaselineBelongsToACase()
    {
        var stale = Directory.Exists(BaselineDirectory)
            ? Directory.GetFiles(BaselineDirectory, "*" + Extension)
                .Where(file => !ModelSources.BaselineCases.ContainsKey(Path.GetFileName(file)[..^Extension.Length]))
                .ToList()
            : [];
        if (Updating)
        {
            stale.ForEach(File.Delete);
            return;
        }

        Assert.True(stale.Count == 0, "Baselines without a case: " + string.Join(", ", stale) + ". Delete them or rerun with " + UpdateVariable + "=1.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <returns>The first differing line with its neighbours, or null when the texts are equal.</returns>
    private static string? FirstDifference(string expected, string actual)
    {
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var expectedLine = i < expectedLines.Length ? expectedLines[i] : "<end of file>";
            var actualLine = i < actualLines.Length ? actualLines[i] : "<end of file>";
            if (expectedLine != actualLine)
            {
                var before = i > 0 && i - 1 < expectedLines.Length ? "  line " + i + ":  " + expectedLines[i - 1] + "\n" : "";
                return before
                    + "  line " + (i + 1) + " expected: " + expectedLine + "\n"
                    + "  line " + (i + 1) + " actual:   " + actualLine;
            }
        }

        return null;
    }
}
