using Microsoft.CodeAnalysis;
using ModelDsl.Tests.Generator;

namespace ModelDsl.Tests.Reliability;

/// <summary>
/// The generator under fuzz: a few hundred malformed declarations, built combinatorially from valid models (every argument
/// replaced by every bad value, wrong arities, layers deleted, duplicated, swapped or unknown, every kind of type,
/// attributes on the wrong targets), must give diagnostics and never crash the generator (no AD0001, CS8785 or MDSL9999).
/// </summary>
public sealed class GeneratorFuzzTests
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
}
