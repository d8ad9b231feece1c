using Xunit;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// The generator never throws on user code: malformed declarations give compiler or MDSL errors, never AD0001
/// (analyzer crash) or CS8785 (generator crash).
/// </summary>
public sealed class RobustnessTests
{
    public static TheoryData<string, string> Malformed => new()
    {
        { "string size", "[Model][TokenInput(60)][Lstm(\"128\")][Dense(4)] public partial class M;" },
        { "double size", "[Model][TokenInput(60)][Lstm(1.5)][Dense(4)] public partial class M;" },
        { "non-constant size", "[Model][TokenInput(60)][Lstm(System.Environment.ProcessorCount)][Dense(4)] public partial class M;" },
        { "bool rate", "[Model][TokenInput(60)][Lstm(8)][Dropout(true)][Dense(4)] public partial class M;" },
        { "missing argument", "[Model][TokenInput][Lstm(8)][Dense(4)] public partial class M;" },
        { "too many arguments", "[Model][TokenInput(60, 10, 3)][Lstm(8)][Dense(4)] public partial class M;" },
        { "unknown named argument", "[Model][TokenInput(60)][Lstm(8, sequences: true)][Dense(4)] public partial class M;" },
        { "activation as int", "[Model][TokenInput(60)][Lstm(8)][Dense(4, 1)] public partial class M;" },
        { "undefined attribute", "[Model][TokenInput(60)][Conv1D(8)][Dense(4)] public partial class M;" },
        { "no layers", "[Model] public partial class M;" },
        { "only input", "[Model][TokenInput(60)] public partial class M;" },
        { "no input", "[Model][Dense(4)] public partial class M;" },
        { "generic", "[Model][TokenInput(60)][Lstm(8)][Dense(4)] public partial class M<T>;" },
        { "nested", "public partial class Outer { [Model][TokenInput(60)][Lstm(8)][Dense(4)] public partial class M; }" },
        { "struct", "[Model][TokenInput(60)][Lstm(8)][Dense(4)] public partial struct M;" },
        { "record struct", "[Model][TokenInput(60)][Lstm(8)][Dense(4)] public partial record struct M;" },
        { "record", "[Model][TokenInput(60)][Lstm(8)][Dense(4)] public partial record M;" },
        { "interface", "[Model][TokenInput(60)][Lstm(8)][Dense(4)] public partial interface M;" },
        { "enum", "[Model][TokenInput(60)] public enum M { A }" },
        { "on a method", "public partial class M { [Model][Lstm(8)] public void Train() { } }" },
        { "on a field", "public partial class M { [TokenInput(60)] public int Field; }" },
        { "model twice", "[Model][Model][TokenInput(60)][Lstm(8)][Dense(4)] public partial class M;" },
        { "model on two parts", "[Model][TokenInput(60)][Lstm(8)][Dense(4)] public partial class M; [Model] public partial class M;" },
        { "not partial", "[Model][TokenInput(60)][Lstm(8)][Dense(4)] public class M;" },
        { "int.MaxValue units", "[Model][TokenInput(60)][Lstm(int.MaxValue)][Dense(int.MaxValue)] public partial class M;" },
        { "int.MaxValue everything", "[Model][TokenInput(int.MaxValue, int.MaxValue)][Embedding(int.MaxValue)][Lstm(int.MaxValue, true)][Lstm(int.MaxValue)][Dense(int.MaxValue)] public partial class M;" },
        { "int.MinValue", "[Model][TokenInput(int.MinValue, int.MinValue)][Lstm(int.MinValue)][Dense(int.MinValue)] public partial class M;" },
        { "overflowing constant", "[Model][TokenInput(60)][Lstm(int.MaxValue + 1)][Dense(4)] public partial class M;" },
        { "infinite rate", "[Model][TokenInput(60)][Lstm(8)][Dropout(double.PositiveInfinity)][Dense(4)] public partial class M;" },
        { "syntax error", "[Model][TokenInput(60)][Lstm(8)][Dense(4) public partial class M;" },
        { "keyword name", "[Model][TokenInput(60)][Lstm(8)][Dense(4, Activation.Softmax)] public partial class @class { }" },
        { "everything wrong", "[Model][Dropout(2)][Dense(-1)][TokenInput(0, 0)][Embedding(Dim.Vocabulary)][TokenInput(1)][Lstm(0)] public static partial class M<T>;" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedDeclarationGivesErrorsNotCrashes(string name, string source)
    {
        var run = GeneratorHarness.Run("using ModelDsl;\nnamespace Demo;\n" + source);

        Assert.Null(run.Result.Exception);
        var crashes = run.Output.GetDiagnostics().Concat(run.GeneratorDiagnostics).Where(d => d.Id is "AD0001" or "CS8785" or "MDSL9999").ToList();
        Assert.True(crashes.Count == 0, name + ": " + string.Join("\n", crashes));
        if (name != "keyword name")
        {
            Assert.True(run.Errors.Length > 0, name + ": expected at least one error.");
        }
    }
}
