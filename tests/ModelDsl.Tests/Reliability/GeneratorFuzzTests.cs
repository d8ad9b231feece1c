using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelDsl.Tests.Generator;
using Xunit.Abstractions;

namespace ModelDsl.Tests.Reliability;

/// <summary>
/// The generator under fuzz: a few hundred malformed declarations, built combinatorially from valid models (every argument
/// replaced by every bad value, wrong arities, layers deleted, duplicated, swapped or unknown, every kind of type,
/// attributes on the wrong targets), must give diagnostics and never crash the generator (no AD0001, CS8785 or MDSL9999).
/// A second fuzz varies the names instead: every model declared under any name C# allows must give code that compiles or an
/// MDSL diagnostic on itself, and never cost the other models of the compilation their code.
/// </summary>
public sealed class GeneratorFuzzTests(ITestOutputHelper output)
{
    /// <summary>One declaration: its text, and whether it must be rejected (false: it may also be a valid model).</summary>
    public sealed record FuzzCase(string Name, string Source, bool MustFail);

    private sealed record Layer(string Attribute, Slot[] Slots);

    private enum SlotKind { Size, Bool, Rate, Activation }

    /// <summary>An argument as written: positional, or with <c>name:</c>.</summary>
    private sealed record Slot(SlotKind Kind, string Text, string? Name = null)
    {
        public string Write(string text) => Name is null ? text : Name + ": " + text;
    }

    private static Layer L(string attribute, params Slot[] slots) => new(attribute, slots);
    private static Slot Size(string text, string? name = null) => new(SlotKind.Size, text, name);

    private static readonly Layer[][] Bases =
    [
        [L("TokenInput", Size("60")), L("Lstm", Size("128")), L("Dense", Size("Dim.Vocabulary"), new Slot(SlotKind.Activation, "Activation.Softmax"))],
        [L("TokenInput", Size("40"), Size("1000", "vocabulary")), L("Embedding", Size("64")), L("Lstm", Size("32"), new Slot(SlotKind.Bool, "true", "returnSequences")),
         L("Dropout", new Slot(SlotKind.Rate, "0.2")), L("Lstm", Size("16")), L("Dense", Size("10"))],
        [L("TokenInput", Size("5")), L("Lstm", Size("8")), L("Dropout", new Slot(SlotKind.Rate, "0.5")), L("Dense", Size("4"))],
        [L("TokenInput", Size("20")), L("PositionalEmbedding", Size("16"), new Slot(SlotKind.Bool, "true", "maskZero")),
         L("TransformerDecoder", Size("2"), Size("32", "hidden"), new Slot(SlotKind.Bool, "true", "attendToInput")),
         L("LayerNormalization"), L("MultiHeadAttention", Size("4")), L("Dense", Size("Dim.Vocabulary"), new Slot(SlotKind.Activation, "Activation.Softmax"))],
    ];

    /// <summary>Values that are wrong for a slot of each kind: bad types, non-constants, out of range, and sizes that overflow int.</summary>
    private static readonly Dictionary<SlotKind, string[]> BadValues = new()
    {
        [SlotKind.Size] = ["0", "-1", "-5", "int.MinValue", "int.MaxValue", "int.MaxValue + 1", "(int)1e12", "\"8\"", "1.5", "true", "null",
                           "System.Environment.ProcessorCount", "46341 * 46341", "Activation.Softmax"],
        [SlotKind.Bool] = ["1", "\"yes\"", "null", "Activation.None"],
        [SlotKind.Rate] = ["1", "-0.1", "1.5", "double.NaN", "double.PositiveInfinity", "double.NegativeInfinity", "\"0.2\"", "true", "null"],
        [SlotKind.Activation] = ["1", "(Activation)7", "(Activation)(-1)", "Activation.Relu", "null", "\"softmax\""],
    };

    private static readonly string[] BadTypeDeclarations =
    [
        "public class {0};", "public partial struct {0};", "public partial record {0};", "public partial record struct {0};",
        "public partial interface {0};", "public static partial class {0};", "public abstract partial class {0};",
        "public partial class {0}<T>;", "public partial class {0}<T1, T2> where T1 : class;", "public partial class Outer {{ [Model] public partial class {0}; }}",
        "file partial class {0};", "public partial record class {0};", "public enum {0} {{ A }}", "public delegate void {0}();",
    ];

    private static readonly string[] MaybeValidTypeDeclarations =
    [
        "public sealed partial class {0};", "internal partial class {0};", "public unsafe partial class {0} {{ }}", "partial class {0} : System.Object {{ }}",
    ];

    public static IEnumerable<FuzzCase> Cases()
    {
        for (int b = 0; b < Bases.Length; b++)
        {
            var layers = Bases[b];
            // Every slot of every layer with every bad value of its kind.
            for (int i = 0; i < layers.Length; i++)
                for (int s = 0; s < layers[i].Slots.Length; s++)
                    foreach (var bad in BadValues[layers[i].Slots[s].Kind])
                        yield return Model($"base {b}, {layers[i].Attribute} slot {s} = {bad}", Replace(layers, i, Write(layers[i], s, bad)), mustFail: true);
            for (int i = 0; i < layers.Length; i++)
            {
                string name = layers[i].Attribute;
                // Wrong arities and argument names.
                if (layers[i].Slots.Length > 0) // [LayerNormalization()] is a valid way to write it
                    yield return Model($"base {b}, {name}()", Replace(layers, i, $"[{name}()]"), mustFail: true);
                yield return Model($"base {b}, {name} with two extra arguments", Replace(layers, i, Write(layers[i], extra: "3, 4")), mustFail: true);
                yield return Model($"base {b}, {name} with an unknown named argument", Replace(layers, i, Write(layers[i], extra: "size: 3")), mustFail: true);
                yield return Model($"base {b}, {name} misspelled", Replace(layers, i, $"[{name}x{Arguments(layers[i])}]"), mustFail: true);
                // Missing, duplicate and reordered layers: some of these are valid models, which must then compile cleanly.
                yield return Model($"base {b}, without {name}", layers.Where((_, j) => j != i).Select(l => Write(l)).ToArray(), mustFail: i == 0 || i == layers.Length - 1);
                yield return Model($"base {b}, {name} twice", layers.SelectMany((l, j) => j == i ? new[] { Write(l), Write(l) } : new[] { Write(l) }).ToArray(), mustFail: i == 0);
                if (i + 1 < layers.Length)
                {
                    var swapped = layers.Select(l => Write(l)).ToArray();
                    (swapped[i], swapped[i + 1]) = (swapped[i + 1], swapped[i]);
                    yield return Model($"base {b}, {name} swapped with the next layer", swapped, mustFail: i == 0 || i + 1 == layers.Length - 1);
                }
                yield return Model($"base {b}, {name} replaced by an unknown attribute", Replace(layers, i, "[Conv1D(8)]"), mustFail: true);
            }
            // Every kind of type the attribute could land on.
            var all = layers.Select(l => Write(l)).ToArray();
            foreach (var declaration in BadTypeDeclarations)
                yield return new FuzzCase($"base {b}, {declaration}", "[Model]" + string.Concat(all) + " " + string.Format(declaration, "M"), MustFail: true);
            foreach (var declaration in MaybeValidTypeDeclarations)
                yield return new FuzzCase($"base {b}, {declaration}", "[Model]" + string.Concat(all) + " " + string.Format(declaration, "M"), MustFail: false);
            yield return new FuzzCase($"base {b}, [Model] twice", "[Model][Model]" + string.Concat(all) + " public partial class M;", MustFail: true);
            yield return new FuzzCase($"base {b}, layers split over two parts",
                "[Model]" + string.Concat(all.Take(2)) + " public partial class M; " + string.Concat(all.Skip(2)) + " public partial class M;", MustFail: true);
            yield return new FuzzCase($"base {b}, no [Model]", string.Concat(all) + " public partial class M;", MustFail: false);
        }

        // Attributes on the wrong targets.
        string[] targets =
        [
            "public partial class M {{ {0} public void Train() {{ }} }}", "public partial class M {{ {0} public int Field; }}",
            "public partial class M {{ {0} public int Property {{ get; set; }} }}", "public partial class M {{ public void Train({0} int x) {{ }} }}",
            "public partial class M {{ {1} public int Train() => 0; }}", "public partial class M {{ {0} public event System.Action? Changed; }}",
            "public enum E {{ {0} A }}", "public partial class M<{0} T>;",
        ];
        foreach (var attribute in new[] { "[Model]", "[TokenInput(60)]", "[Lstm(8)]", "[Dropout(0.1)]", "[Dense(4)]" })
        {
            foreach (var target in targets)
                yield return new FuzzCase($"{attribute} on {target}", string.Format(target, attribute, attribute.Replace("[", "[return: ")), MustFail: true);
            yield return new FuzzCase($"{attribute} on the assembly", attribute.Replace("[", "[assembly: ") + " public partial class M;", MustFail: true);
        }
        yield return new FuzzCase("syntax error in the attribute list", "[Model][TokenInput(60)][Lstm(8)][Dense(4) public partial class M;", MustFail: true);
        yield return new FuzzCase("no layers", "[Model] public partial class M;", MustFail: true);
    }

    private static FuzzCase Model(string name, string[] layers, bool mustFail) =>
        new(name, "[Model]" + string.Concat(layers) + " public partial class M;", mustFail);

    private static string[] Replace(Layer[] layers, int index, string replacement) =>
        layers.Select((l, j) => j == index ? replacement : Write(l)).ToArray();

    private static string Write(Layer layer, int slot = -1, string? value = null, string? extra = null)
    {
        var arguments = layer.Slots.Select((s, j) => s.Write(j == slot ? value! : s.Text)).ToList();
        if (extra != null) arguments.Add(extra);
        return $"[{layer.Attribute}({string.Join(", ", arguments)})]";
    }

    private static string Arguments(Layer layer) => "(" + string.Join(", ", layer.Slots.Select(s => s.Write(s.Text))) + ")";

    [Fact]
    public void Hundreds_of_malformed_declarations_give_diagnostics_and_never_crash_the_generator()
    {
        var cases = Cases().ToList();
        Assert.True(cases.Count >= 300, $"only {cases.Count} cases");
        var failures = new List<string>();
        // Forty declarations per compilation, each in its own file and namespace: one generator run per batch keeps this
        // fast. Only the user files are bound (the generated code of the declarations that are valid is compiled by the
        // baseline tests); generator crashes surface as the driver's CS8785 or the generator's own MDSL9999.
        foreach (var batch in cases.Chunk(40))
        {
            var sources = batch.Select((c, i) => $"using ModelDsl;\nnamespace Fuzz{i};\n{c.Source}\n").ToArray();
            var run = GeneratorHarness.Run(sources);
            if (run.Result.Exception is { } exception) failures.Add($"batch starting with '{batch[0].Name}': generator threw {exception}");
            var userTrees = run.Input.SyntaxTrees.Where(t => t.FilePath.StartsWith("Model", StringComparison.Ordinal)).ToList();
            var diagnostics = userTrees.SelectMany(t => run.Input.GetSemanticModel(t).GetDiagnostics()).Concat(run.GeneratorDiagnostics).ToList();
            for (int i = 0; i < batch.Length; i++)
            {
                string file = GeneratorHarness.SourcePath(i);
                var mine = diagnostics.Where(d => d.Location.GetLineSpan().Path == file).ToList();
                var crashes = diagnostics.Where(d => d.Id is "AD0001" or "CS8785" or "MDSL9999" && (d.Location.GetLineSpan().Path == file || d.Location == Location.None)).ToList();
                if (crashes.Count > 0)
                    failures.Add($"{batch[i].Name}: crash {string.Join("; ", crashes)}\n    {batch[i].Source}");
                if (batch[i].MustFail && !mine.Any(d => d.Severity == DiagnosticSeverity.Error))
                    failures.Add($"{batch[i].Name}: no error for\n    {batch[i].Source}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases failed:\n" + string.Join("\n", failures.Distinct().Take(40)));
    }

    /// <summary>A name as written in source (<c>@class</c>) and as the compiler reads it (<c>class</c>).</summary>
    public sealed record Name(string Written, string Value)
    {
        public override string ToString() => Written;
    }

    /// <summary>One model under generated names: the namespace parts (none: the global namespace), their form, and the class.</summary>
    public sealed record NameCase(int Index, Name[] Namespace, bool BlockNamespace, Name Class)
    {
        public string QualifiedName => string.Concat(Namespace.Select(n => n.Value + ".")) + Class.Value;

        public string Source(string layers)
        {
            var model = layers + " public partial class " + Class.Written + ";";
            if (Namespace.Length == 0) return "using ModelDsl;\n" + model + "\n";
            if (!BlockNamespace) return "using ModelDsl;\nnamespace " + string.Join(".", Namespace.Select(n => n.Written)) + ";\n" + model + "\n";
            // Nested blocks, one part each: namespace A { namespace B { … } }
            return "using ModelDsl;\n" + string.Concat(Namespace.Select(n => "namespace " + n.Written + " { ")) + model + new string('}', Namespace.Length) + "\n";
        }

        public override string ToString() => (Namespace.Length == 0 ? "" : (BlockNamespace ? "{" : "") + string.Join(".", Namespace.Select(n => n.Written)) + (BlockNamespace ? "} " : "; ")) + Class.Written;
    }

    private const string TinyLayers = "[Model][TokenInput(3)][SimpleRnn(2)][Dense(2)]";

    /// <summary>
    /// Every reserved keyword (escaped), every contextual keyword, unicode letters and underscores, names of what the
    /// generated code declares and calls (read from the code generated for a plain model, so new members are covered as they
    /// appear), and names of the namespaces and types it refers to.
    /// </summary>
    public static List<Name> NamePool()
    {
        var names = new List<Name>();
        // One entry per name as the compiler reads it ('@assembly' and 'assembly' are one class, which would be declared twice).
        void Add(string written, string value) { if (!names.Any(n => n.Value == value)) names.Add(new Name(written, value)); }
        foreach (var kind in SyntaxFacts.GetKeywordKinds()) { var text = SyntaxFacts.GetText(kind); Add("@" + text, text); }
        foreach (var kind in SyntaxFacts.GetContextualKeywordKinds()) { var text = SyntaxFacts.GetText(kind); if (SyntaxFacts.IsValidIdentifier(text)) Add(text, text); }
        foreach (var text in new[] { "_", "__", "_1", "x_", "Modèle", "Ωmega", "名前", "данные", "ñ", "Łódź", "e\u0301", "A\u0300b" })
            Add(text, text);
        Add("\\u0061bc", "abc"); // a unicode escape: the compiler reads 'abc'
        foreach (var text in new[] { "System", "ModelDsl", "ILGPU", "Math", "MathF", "Vector512", "Vector256", "Model", "Runtime", "Cpu", "Gpu", "Ir",
                                     "Intrinsics", "Action", "Index1D", "ArrayView", "NotSupportedException", "InvalidOperationException", "Demo" })
            Add(text, text);
        var generated = GeneratorHarness.Run("using ModelDsl;\nnamespace Demo;\n" + TinyLayers + " public partial class Tiny;").Sources.Single().Text;
        foreach (var token in CSharpSyntaxTree.ParseText(generated).GetRoot().DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)))
            Add(token.Text, token.ValueText);
        return names;
    }

    /// <summary>
    /// Every name of the pool once as a class and up to three times as a namespace part (a seeded shuffle: every run is the
    /// same), in file-scoped, block-nested and global namespaces.
    /// </summary>
    public static List<NameCase> NameCases()
    {
        var pool = NamePool();
        var random = new Random(1302);
        var order = pool.OrderBy(_ => random.Next()).ToList();
        var cases = new List<NameCase>();
        for (int i = 0; i < order.Count; i++)
        {
            var parts = Enumerable.Range(1, i % 4).Select(k => order[(i + k * 7) % order.Count]).ToArray();
            cases.Add(new NameCase(i, parts, random.Next(2) == 0, order[i]));
        }

        return cases;
    }

    /// <summary>Set MODELDSL_FUZZ_COMPILE_ALL=1 to compile the code of every case, not one in <see cref="CompileEvery"/> (minutes instead of seconds).</summary>
    private static bool CompileAll => Environment.GetEnvironmentVariable("MODELDSL_FUZZ_COMPILE_ALL") == "1";

    private const int CompileEvery = 12;

    /// <summary>Whether a case's generated code is compiled (binding it is what costs: one case in <see cref="CompileEvery"/>).</summary>
    private static bool Compiled(NameCase c) => !MayHideReferencedTypes(c) && (CompileAll || c.Index % CompileEvery == 0);

    /// <summary>
    /// A model whose full name starts with System, ModelDsl or ILGPU may hide a type every generated file names (that model gets
    /// MDSL0028, but a compilation holding it cannot compile any model's code), so such cases each get their own compilation.
    /// </summary>
    private static bool MayHideReferencedTypes(NameCase c) =>
        (c.Namespace.Length > 0 ? c.Namespace[0].Value : c.Class.Value) is "System" or "ModelDsl" or "ILGPU";

    [Fact]
    public void Models_under_every_kind_of_name_give_compiling_code_or_a_diagnostic_on_themselves()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cases = NameCases();
        var casesTime = clock.Elapsed;
        Assert.True(cases.Count >= 300, $"only {cases.Count} cases");
        var failures = new List<string>();
        int compiled = 0, diagnosed = 0, notCSharp = 0;
        // The cases whose code is compiled share one compilation; the others only run the generator, a hundred at a time. Classes
        // in the global namespace run apart from the namespaced cases (a class 'X' and another case's 'namespace X' collide), and
        // the cases that may hide a referenced type run apart and are not compiled (IdentifierTests compiles such names).
        bool Global(NameCase c) => c.Namespace.Length == 0;
        var batches = new[] { cases.Where(c => Compiled(c) && !Global(c)).ToArray(), cases.Where(c => Compiled(c) && Global(c)).ToArray() }
            .Concat(cases.Where(c => !Compiled(c) && !MayHideReferencedTypes(c) && !Global(c)).Chunk(100))
            .Concat(cases.Where(c => !Compiled(c) && !MayHideReferencedTypes(c) && Global(c)).Chunk(100))
            .Append(cases.Where(MayHideReferencedTypes).ToArray());
        var notCSharpErrors = new List<string>();
        TimeSpan generating = default, compiling = default;
        foreach (var batch in batches)
        {
            var started = clock.Elapsed;
            var run = GeneratorHarness.Run(batch.Select(c => c.Source(TinyLayers)).ToArray());
            generating += clock.Elapsed - started;
            started = clock.Elapsed;
            if (run.Result.Exception is { } exception) failures.Add($"batch starting with '{batch[0]}': generator threw {exception.GetType().Name}: {exception.Message}");
            foreach (var crash in run.GeneratorDiagnostics.Where(d => d.Id is "AD0001" or "CS8785" or "MDSL9999"))
                failures.Add($"batch starting with '{batch[0]}': {crash}");
            var checkedFiles = batch.Where(Compiled).SelectMany(c => run.Sources.Select(s => s.HintName).Where(hint => IsFileOf(hint, c.QualifiedName))).ToHashSet();
            var errors = run.Output.SyntaxTrees.Where(t => checkedFiles.Contains(Path.GetFileName(t.FilePath)))
                .SelectMany(t => run.Output.GetSemanticModel(t).GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error)
                .ToLookup(d => Path.GetFileName(d.Location.GetLineSpan().Path) ?? "");
            // The declarations alone, without the generated code: whether each is valid C#.
            var userErrors = run.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToLookup(d => d.Location.GetLineSpan().Path ?? "");
            var generated = run.Sources.Select(s => s.HintName).ToList();
            compiling += clock.Elapsed - started;
            for (int i = 0; i < batch.Length; i++)
            {
                string file = GeneratorHarness.SourcePath(i);
                var files = generated.Where(hint => IsFileOf(hint, batch[i].QualifiedName)).ToList();
                var mine = run.ModelDiagnostics.Where(d => d.Location.GetLineSpan().Path == file && d.Severity == DiagnosticSeverity.Error).ToList();
                if (userErrors[file].Any())
                {
                    notCSharp++; // the declaration itself does not compile (e.g. a class named like its layer attribute): only no crash is asked
                    notCSharpErrors.Add(userErrors[file].First().Id);
                    continue;
                }

                if (mine.Count > 0)
                {
                    diagnosed++;
                    if (files.Count > 0) failures.Add($"{batch[i]}: {mine[0].Id} and yet generated {files[0]}");
                    continue;
                }

                if (files.Count != 1)
                {
                    failures.Add($"{batch[i]}: neither a diagnostic nor one generated file (files: {string.Join(", ", files)})\n    {batch[i].Source(TinyLayers)}");
                    continue;
                }

                if (!checkedFiles.Contains(files[0])) continue;
                compiled++;
                if (errors[files[0]].FirstOrDefault() is { } error)
                    failures.Add($"{batch[i]}: {errors[files[0]].Count()} errors in {files[0]}, first {error}\n    {batch[i].Source(TinyLayers)}");
            }
        }

        output.WriteLine($"{cases.Count} cases ({casesTime.TotalSeconds:F1} s), generating {generating.TotalSeconds:F1} s, compiling {compiling.TotalSeconds:F1} s; "
            + $"not C#: {string.Join(", ", notCSharpErrors.CountBy(id => id).Select(p => p.Key + " ×" + p.Value))}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases failed ({compiled} compiled, {diagnosed} diagnosed, {notCSharp} not C#):\n" + string.Join("\n", failures.Distinct().Take(40)));
        Assert.True(compiled >= cases.Count / CompileEvery / 2, $"only {compiled} of {cases.Count} cases compiled ({diagnosed} diagnosed, {notCSharp} not C#)");
    }

    /// <summary>Whether <paramref name="hintName"/> is the file of the model named <paramref name="qualifiedName"/> (<c>A.B.g.cs</c>, or <c>A.B.1.g.cs</c> when another name equals it but for case).</summary>
    private static bool IsFileOf(string hintName, string qualifiedName)
    {
        if (hintName == qualifiedName + ".g.cs") return true;
        if (hintName.Length <= qualifiedName.Length + ".g.cs".Length + 1 || !hintName.StartsWith(qualifiedName + ".", StringComparison.Ordinal)
            || !hintName.EndsWith(".g.cs", StringComparison.Ordinal)) return false;
        return hintName[(qualifiedName.Length + 1)..^".g.cs".Length].All(char.IsAsciiDigit);
    }
}
