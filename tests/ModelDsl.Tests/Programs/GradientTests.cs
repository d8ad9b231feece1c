using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Reference;
using ModelDsl.Tests.Models;

namespace ModelDsl.Tests.Programs;

/// <summary>
/// The lowering's backward ops, run by the float64 interpreter, against central finite differences of its forward
/// loss. Every parameter of every layer kind is covered (one-hot gather, embedding, stacked LSTM, dropout, dense).
/// </summary>
public class GradientTests
{
    public static TheoryData<string> Models => new() { nameof(TinyCharLstm), nameof(TinyStack), nameof(OddWidths), nameof(TinyGru), nameof(TinyRecurrentStack), nameof(TinySentiment), nameof(FlattenSoftmax), nameof(FrozenEmbedding), nameof(TinyBiGru), nameof(TinyBiStack), nameof(TinyCharRnn), nameof(TinyPerStepBi), nameof(MaskedStack), nameof(MaskedBidirectional), nameof(TinyDecoder), nameof(TinySeedDecoder), nameof(TinyAttention), nameof(TinyEncoderClassifier), nameof(PositionalGru), nameof(SimdWidths), nameof(SimdWidthDecoder), nameof(TinyConv), nameof(CausalConvLm), nameof(StridedConv), nameof(ConvMaxPool), nameof(MaskedMaxPool), nameof(MaskedAveragePool), nameof(ConvAveragePool) };

    internal static Model Create(string name, Backend backend = Backend.Cpu, ulong seed = 7) => name switch
    {
        nameof(TinyCharLstm) => new TinyCharLstm(vocabulary: 7, new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyStack) => new TinyStack(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(OddWidths) => new OddWidths(vocabulary: 19, new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyGru) => new TinyGru(vocabulary: 7, new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyRecurrentStack) => new TinyRecurrentStack(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinySentiment) => new TinySentiment(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(FlattenSoftmax) => new FlattenSoftmax(vocabulary: 8, new ModelOptions { Backend = backend, Seed = seed }),
        nameof(FrozenEmbedding) => new FrozenEmbedding(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyBiGru) => new TinyBiGru(vocabulary: 6, new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyBiStack) => new TinyBiStack(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyCharRnn) => new TinyCharRnn(vocabulary: 6, new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyPerStepBi) => new TinyPerStepBi(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(MaskedStack) => new MaskedStack(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(MaskedBidirectional) => new MaskedBidirectional(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyDecoder) => new TinyDecoder(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinySeedDecoder) => new TinySeedDecoder(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyAttention) => new TinyAttention(vocabulary: 7, new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyEncoderClassifier) => new TinyEncoderClassifier(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(PositionalGru) => new PositionalGru(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(SimdWidths) => new SimdWidths(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(SimdWidthDecoder) => new SimdWidthDecoder(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(TinyConv) => new TinyConv(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(StridedConv) => new StridedConv(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(ConvMaxPool) => new ConvMaxPool(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(MaskedMaxPool) => new MaskedMaxPool(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(MaskedAveragePool) => new MaskedAveragePool(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(ConvAveragePool) => new ConvAveragePool(new ModelOptions { Backend = backend, Seed = seed }),
        nameof(CausalConvLm) => new CausalConvLm(vocabulary: 9, new ModelOptions { Backend = backend, Seed = seed }),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Backward_matches_finite_differences_for_every_parameter_tensor(string name)
    {
        using var model = Create(name);
        const int batch = 3;
        var program = Lowering.Lower(model.Declaration, ProgramKind.Train);
        var interpreter = new IrInterpreter(program, batch, model.Vocabulary);
        for (int i = 0; i < interpreter.Parameters.Length; i++) interpreter.Parameters[i] = model.Parameters[i];
        var rng = new Rng(99);
        for (int i = 0; i < interpreter.Tokens.Length; i++) interpreter.Tokens[i] = rng.NextInt(model.Vocabulary);
        for (int i = 0; i < interpreter.Targets.Length; i++) interpreter.Targets[i] = rng.NextInt(model.TargetClasses);

        // Dropout masks must be the same in every evaluation: replay one random stream.
        var state = new Rng(5).GetState();
        double Loss()
        {
            var r = new Rng(0);
            r.SetState(state);
            interpreter.Forward(r);
            return interpreter.Loss;
        }

        Loss();
        interpreter.Backward();
        var analytic = (double[])interpreter.Gradients.Clone();
        var parameters = interpreter.Parameters;
        const double h = 1e-6;
        var names = Lowering.LayerNames(model.Declaration);
        foreach (var tensor in program.Parameters)
        {
            int offset = (int)tensor.Offset.Evaluate(batch, model.Vocabulary);
            int length = (int)tensor.Length.Evaluate(batch, model.Vocabulary);
            if (model.Declaration.Layers[names.ToList().IndexOf(tensor.Layer)].Frozen)
            {
                // A frozen tensor gets no gradient at all.
                for (int k = 0; k < length; k++) Assert.Equal(0.0, analytic[offset + k]);
                continue;
            }
            // Up to 12 entries per tensor, spread over it; for one-hot kernels include rows that the tokens select.
            int stride = Math.Max(1, length / 12);
            for (int k = 0; k < length; k += stride)
            {
                int i = offset + k;
                double saved = parameters[i];
                parameters[i] = saved + h;
                double plus = Loss();
                parameters[i] = saved - h;
                double minus = Loss();
                parameters[i] = saved;
                double numeric = (plus - minus) / (2 * h);
                double tolerance = 1e-6 + 1e-4 * Math.Abs(numeric);
                Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance,
                    $"{tensor.Name}[{k}]: backward {analytic[i]:E6}, finite difference {numeric:E6}");
            }
        }
    }

    [Fact]
    public void Lstm_cell_derivative_is_derived_for_all_five_inputs()
    {
        var program = Lowering.Lower(TinyCharLstm.Architecture, ProgramKind.Train);
        var backward = program.Backward.OfType<LoopOp>().SelectMany(l => l.Body).OfType<PointwiseOp>().Single();
        Assert.Equal(5, backward.Outputs.Count); // dz for i, f, g, o and dc_{t-1}
        Assert.All(backward.Outputs, o => Assert.IsNotType<ConstExpr>(o.Value));
    }
}
