using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Reference;
using ModelDsl.Runtime;

namespace ModelDsl.Tests.Programs;

/// <summary>Shared set-up: random tokens, a program of a model, and the interpreter loaded with the same weights.</summary>
internal static class ProgramHarness
{
    public static void FillRandom(ProgramExecutor program, int batch, int vocabulary, int outputs, ulong seed)
    {
        var rng = new Rng(seed);
        var tokens = program.Tokens[..(batch * program.Program.SequenceLength)];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(vocabulary);
        if (program.Kind == ProgramKind.Train)
        {
            int count = program.Program.TargetsPerStep ? batch * program.Program.SequenceLength : batch;
            for (int i = 0; i < count; i++) program.Targets[i] = rng.NextInt(outputs);
        }
    }

    public static IrInterpreter InterpreterFor(Model model, ProgramExecutor program, int batch)
    {
        var interpreter = new IrInterpreter(program.Program, batch, model.Vocabulary);
        var p = interpreter.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] = model.Parameters[i];
        program.Tokens[..interpreter.Tokens.Length].CopyTo(interpreter.Tokens);
        program.Targets[..interpreter.Targets.Length].CopyTo(interpreter.Targets);
        if (program.Program.QueryPositions is { } q) program.QueryPositions[..batch].CopyTo(interpreter.Ints(q));
        return interpreter;
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double relative, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            double tolerance = absolute + relative * Math.Abs(expected[i]);
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                Assert.Fail($"{what}[{i}]: {actual[i]} vs reference {expected[i]} (tolerance {tolerance:E2})");
        }
    }
}
