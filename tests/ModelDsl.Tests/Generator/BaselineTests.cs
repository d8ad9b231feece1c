using Xunit;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// The generated source of each model in <see cref="ModelSources.BaselineCases"/> must equal its checked-in baseline,
/// split per program so that a change to one renderer shows up only in its own files:
/// tests/ModelDsl.Tests/Baselines/&lt;Case&gt;/Model.g.cs.txt (the model class: architecture, constructors, factories) and
/// one file per nested program class (TrainCpu.g.cs.txt, …, StepGpu.g.cs.txt). Run with MODELDSL_UPDATE_BASELINES=1 to
/// rewrite the baselines from the current generator and delete the ones no case produces any more; a missing baseline fails.
/// </summary>
public sealed class BaselineTests
{
    private const string UpdateVariable = "MODELDSL_UPDATE_BASELINES";
    private const string Extension = ".g.cs.txt";
    private const string ModelSection = "Model";

    private static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    private static string BaselineDirectory => Path.Combine(GeneratorHarness.RepositoryRoot, "tests", "ModelDsl.Tests", "Baselines");

    public static TheoryData<string> Cases => new(ModelSources.BaselineCases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedSourceMatchesBaseline(string caseName)
    {
        var run = GeneratorHarness.Run(ModelSources.BaselineCases[caseName]);
        Assert.Empty(run.ModelDiagnostics);
        var sections = Split(Normalize(Assert.Single(run.Sources).Text));
        var folder = Path.Combine(BaselineDirectory, caseName);

        if (Updating)
        {
            Directory.CreateDirectory(folder);
            foreach (var (name, text) in sections) File.WriteAllText(Path.Combine(folder, name + Extension), text);
            foreach (var file in Directory.GetFiles(folder, "*" + Extension))
                if (!sections.ContainsKey(Path.GetFileName(file)[..^Extension.Length])) File.Delete(file);
            return;
        }

        var differences = new List<string>();
        foreach (var (name, text) in sections)
        {
            var path = Path.Combine(folder, name + Extension);
            if (!File.Exists(path))
            {
                differences.Add("No baseline at " + path + ".");
                continue;
            }
            if (FirstDifference(Normalize(File.ReadAllText(path)), text) is { } difference)
                differences.Add(path + ":\n" + difference);
        }
        var extra = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*" + Extension).Where(f => !sections.ContainsKey(Path.GetFileName(f)[..^Extension.Length])).ToList()
            : [];
        differences.AddRange(extra.Select(f => "A baseline no program of the case produces: " + f));
        Assert.True(differences.Count == 0, "Generated source for '" + caseName + "' differs from its baselines:\n" + string.Join("\n", differences)
            + "\nIf the change is intended, rerun with " + UpdateVariable + "=1 and review the diff.");
    }

    [Fact]
    public void EveryBaselineBelongsToACase()
    {
        var stale = Directory.Exists(BaselineDirectory)
            ? Directory.GetFileSystemEntries(BaselineDirectory)
                .Where(entry => !Directory.Exists(entry) || !ModelSources.BaselineCases.ContainsKey(Path.GetFileName(entry)))
                .ToList()
            : [];
        if (Updating)
        {
            foreach (var entry in stale)
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
            return;
        }

        Assert.True(stale.Count == 0, "Baselines without a case: " + string.Join(", ", stale) + ". Delete them or rerun with " + UpdateVariable + "=1.");
    }

    [Fact]
    public void SplittingLosesNothing()
    {
        var text = Normalize(Assert.Single(GeneratorHarness.Run(ModelSources.BaselineCases.Values.First()).Sources).Text);
        var sections = Split(text);
        Assert.Equal(["Model", "TrainCpu", "InferCpu", "StepCpu", "TrainGpu", "InferGpu", "StepGpu"], sections.Keys);
        // Putting each section back in place of its placeholder gives the generated file again.
        var joined = sections[ModelSection];
        foreach (var (name, section) in sections.Where(s => s.Key != ModelSection))
            joined = joined.Replace("        // (in " + name + Extension + ")\n", section, StringComparison.Ordinal); // the first case is in a namespace: members at 8 spaces
        Assert.Equal(text, joined);
    }

    /// <summary>
    /// The model class with each nested program class (its doc comment, declaration and body, at the model's member
    /// indentation) cut out into a section of its own, a one-line placeholder left where it stood.
    /// </summary>
    private static Dictionary<string, string> Split(string text)
    {
        var lines = text.Split('\n');
        var model = new List<string>();
        var sections = new Dictionary<string, string>();
        // The model's members sit one level inside its class, whose indentation depends on the namespace.
        var modelLine = lines.First(l => l.Contains(" partial class ", StringComparison.Ordinal) && l.Contains(": global::ModelDsl.Model", StringComparison.Ordinal));
        string members = new string(' ', modelLine.Length - modelLine.TrimStart().Length + 4);
        var header = new System.Text.RegularExpressions.Regex("^(" + members + ")(?:private |internal |public )?(?:sealed )?(?:unsafe )?class (\\w+)");
        for (int i = 0; i < lines.Length; i++)
        {
            var match = header.Match(lines[i]);
            if (!match.Success)
            {
                model.Add(lines[i]);
                continue;
            }
            // The doc comment above the class belongs to it.
            int first = model.Count;
            while (first > 0 && model[first - 1].StartsWith(members + "///", StringComparison.Ordinal)) first--;
            var section = model.GetRange(first, model.Count - first);
            model.RemoveRange(first, model.Count - first);
            int end = Array.IndexOf(lines, match.Groups[1].Value + "}", i);
            Assert.True(end > i, "No end for the nested class at line " + (i + 1));
            section.AddRange(lines[i..(end + 1)]);
            string name = match.Groups[2].Value;
            sections.Add(name, string.Join("\n", section) + "\n");
            model.Add(match.Groups[1].Value + "// (in " + name + Extension + ")");
            i = end;
        }
        var all = new Dictionary<string, string> { [ModelSection] = string.Join("\n", model) };
        foreach (var (name, section) in sections) all.Add(name, section);
        return all;
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
