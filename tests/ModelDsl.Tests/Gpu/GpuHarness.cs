using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Reference;
using ModelDsl.Runtime;
using ModelDsl.Tests.Models;

namespace ModelDsl.Tests.Gpu;

/// <summary>The emulator is one process-wide accelerator: its tests run one at a time, apart from each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GpuEmulatorCollection
{
    public const string Name = "GPU emulator";
}

/// <summary>Models, ids and the interpreter for the GPU agreement tests.</summary>
internal static class GpuHarness
{
    public static TheoryData<string> Models => new() { nameof(TinyCharLstm), nameof(TinyStack), nameof(OddWidths), nameof(TinyGru), nameof(TinyRecurrentStack), nameof(TinySentiment), nameof(FlattenSoftmax), nameof(TinyBiGru), nameof(TinyBiStack), nameof(TinyCharRnn), nameof(TinyPerStepBi), nameof(MaskedStack), nameof(MaskedBidirectional), nameof(TinyDecoder), nameof(TinySeedDecoder), nameof(TinyAttention), nameof(TinyEncoderClassifier), nameof(PositionalGru), nameof(TinyConv), nameof(CausalConvLm), nameof(StridedConv), nameof(ConvMaxPool), nameof(MaskedMaxPool), nameof(MaskedAveragePool), nameof(ConvAveragePool) };

    public static Model Create(string name, Backend backend)
    {
        var options = new ModelOptions { Backend = backend, Seed = 7 };
        return name switch
        {
            nameof(TinyCharLstm) => new TinyCharLstm(vocabulary: 7, options),
            nameof(TinyStack) => new TinyStack(options),
            nameof(OddWidths) => new OddWidths(vocabulary: 13, options),
            nameof(TinyGru) => new TinyGru(vocabulary: 7, options),
            nameof(TinyRecurrentStack) => new TinyRecurrentStack(options),
            nameof(TinySentiment) => new TinySentiment(options),
            nameof(FlattenSoftmax) => new FlattenSoftmax(vocabulary: 8, options),
            nameof(TinyBiGru) => new TinyBiGru(vocabulary: 6, options),
            nameof(TinyBiStack) => new TinyBiStack(options),
            nameof(TinyCharRnn) => new TinyCharRnn(vocabulary: 6, options),
            nameof(TinyPerStepBi) => new TinyPerStepBi(options),
            nameof(MaskedStack) => new MaskedStack(options),
            nameof(MaskedBidirectional) => new MaskedBidirectional(options),
            nameof(TinyDecoder) => new TinyDecoder(options),
            nameof(TinySeedDecoder) => new TinySeedDecoder(options),
            nameof(TinyAttention) => new TinyAttention(vocabulary: 7, options),
            nameof(TinyEncoderClassifier) => new TinyEncoderClassifier(options),
            nameof(PositionalGru) => new PositionalGru(options),
            nameof(TinyConv) => new TinyConv(options),
            nameof(StridedConv) => new StridedConv(options),
            nameof(ConvMaxPool) => new ConvMaxPool(options),
            nameof(MaskedMaxPool) => new MaskedMaxPool(options),
            nameof(MaskedAveragePool) => new MaskedAveragePool(options),
            nameof(ConvAveragePool) => new ConvAveragePool(options),
            nameof(CausalConvLm) => new CausalConvLm(vocabulary: 9, options),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    /// <summary>The same random ids and targets into every program.</summary>
    public static void FillRandom(int batch, Model model, ulong seed, params ProgramExecutor[] programs)
    {
        var rng = new Rng(seed);
        int tokenCount = batch * programs[0].Program.SequenceLength;
        var tokens = new int[tokenCount];
        var targets = new int[programs[0].Kind == ProgramKind.Train && programs[0].Program.TargetsPerStep ? tokenCount : batch];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(model.Vocabulary);
        for (int i = 0; i < targets.Length; i++) targets[i] = rng.NextInt(model.TargetClasses);
        foreach (var p in programs)
        {
            tokens.CopyTo(p.Tokens);
            if (p.Kind == ProgramKind.Train) targets.CopyTo(p.Targets);
        }
    }

    public static IrInterpreter InterpreterFor(Model model, ProgramExecutor program, int batch)
    {
        var interpreter = new IrInterpreter(program.Program, batch, model.Vocabulary);
        var p = interpreter.Parameters;
        for (int i = 0; i < p.Length; i++) p[i] = model.Parameters[i];
        return interpreter;
    }

    /// <summary>Loads the program's staged ids (and query positions) into the interpreter.</summary>
    public static void LoadIds(IrInterpreter interpreter, ProgramExecutor program, int batch)
    {
        program.Tokens[..interpreter.Tokens.Length].CopyTo(interpreter.Tokens);
        if (program.Kind == ProgramKind.Train) program.Targets[..interpreter.Targets.Length].CopyTo(interpreter.Targets);
        if (program.Program.QueryPositions is { } q) program.QueryPositions[..batch].CopyTo(interpreter.Ints(q));
    }

    /// <summary>A copy of the model's dropout stream as it stands: the interpreter then draws the masks the program draws.</summary>
    public static Rng DropoutCopy(Model model)
    {
        var rng = new Rng(0);
        rng.SetState(model.DropoutRandom.GetState());
        return rng;
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

    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }
}
