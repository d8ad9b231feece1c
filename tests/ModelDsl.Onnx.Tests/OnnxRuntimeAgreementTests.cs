using Microsoft.ML.OnnxRuntime;
using ModelDsl.Data;
using ModelDsl.Numerics;
using ModelDsl.Training;

namespace ModelDsl.Onnx.Tests;

/// <summary>
/// Each export is loaded by ONNX Runtime (CPU provider) and run on a batch of random windows; every output must match
/// <see cref="Model.Predict"/> for the same window within 1e-4 relative (plus 1e-6 absolute for values near zero).
/// </summary>
public sealed class OnnxRuntimeAgreementTests
{
    private const int Windows = 6;
    private const double Relative = 1e-4, Absolute = 1e-6;

    [Fact]
    public void OneHotLstmSoftmax_MatchesPredict()
    {
        using var model = new OneHotLstmSoftmax(13);
        Randomize(model, seed: 1);
        var outputs = AssertAgreement(model, seed: 2);
        foreach (var row in outputs)
            Assert.Equal(1.0, row.Sum(v => (double)v), 4); // probabilities
    }

    [Fact]
    public void EmbeddingStackedLstmLogits_MatchesPredict()
    {
        using var model = new EmbeddingStackedLstmLogits();
        Randomize(model, seed: 3);
        AssertAgreement(model, seed: 4);
    }

    [Fact]
    public void EmbeddingLstmDense_MatchesPredict()
    {
        using var model = new EmbeddingLstmDense(17);
        Randomize(model, seed: 5);
        AssertAgreement(model, seed: 6);
    }

    [Fact]
    public void OneHotGruSoftmax_MatchesPredict()
    {
        using var model = new OneHotGruSoftmax(11);
        Randomize(model, seed: 21);
        var outputs = AssertAgreement(model, seed: 22);
        foreach (var row in outputs)
            Assert.Equal(1.0, row.Sum(v => (double)v), 4);
    }

    [Fact]
    public void EmbeddingRnnGruLogits_MatchesPredict()
    {
        using var model = new EmbeddingRnnGruLogits();
        Randomize(model, seed: 23);
        AssertAgreement(model, seed: 24);
    }

    [Fact]
    public void EmbeddingBidirectionalLstmGru_MatchesPredict()
    {
        using var model = new EmbeddingBidirectionalLstmGru();
        Randomize(model, seed: 25);
        AssertAgreement(model, seed: 26);
    }

    [Fact]
    public void EmbeddingBidirectionalRnn_MatchesPredict()
    {
        using var model = new EmbeddingBidirectionalRnn();
        Randomize(model, seed: 27);
        AssertAgreement(model, seed: 28);
    }

    [Fact]
    public void EmbeddingLstmFlattenSigmoid_MatchesPredict()
    {
        using var model = new EmbeddingLstmFlattenSigmoid();
        Randomize(model, seed: 29);
        var outputs = AssertAgreement(model, seed: 30);
        foreach (var row in outputs)
            Assert.InRange(Assert.Single(row), 0f, 1f);
    }

    [Fact]
    public void TrainedModel_MatchesPredict()
    {
        using var model = new OneHotLstmSoftmax(7, new ModelOptions { Seed = 11 });
        var rng = new Rng(12);
        var tokens = new int[400];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = (i % 7 + rng.NextInt(2)) % 7;
        var history = model.Fit(new WindowDataset(tokens, model.SequenceLength, 1),
            new FitOptions { Epochs = 2, BatchSize = 32, StepsPerEpoch = 5, Optimizer = new RmsProp(0.01f) });
        Assert.True(double.IsFinite(history.Epochs[^1].TrainingLoss));
        AssertAgreement(model, seed: 13);
    }

    [Fact]
    public void ConvSameFlatten_MatchesPredict()
    {
        using var model = new ConvSameFlatten();
        Randomize(model, seed: 21);
        AssertAgreement(model, seed: 22);
    }

    [Fact]
    public void CausalConvStack_MatchesPredict()
    {
        using var model = new CausalConvStack();
        Randomize(model, seed: 23);
        AssertAgreement(model, seed: 24);
    }

    [Fact]
    public void StridedConvFlatten_MatchesPredict()
    {
        using var model = new StridedConvFlatten();
        Randomize(model, seed: 25);
        AssertAgreement(model, seed: 26);
    }

    [Fact]
    public void ConvGlobalMaxPool_MatchesPredict()
    {
        using var model = new ConvGlobalMaxPool();
        Randomize(model, seed: 27);
        AssertAgreement(model, seed: 28);
    }

    [Fact]
    public void ConvGlobalAveragePool_MatchesPredict()
    {
        using var model = new ConvGlobalAveragePool();
        Randomize(model, seed: 29);
        AssertAgreement(model, seed: 30);
    }

    [Fact]
    public void A_padding_mask_is_refused_with_a_clear_error_rather_than_exported_wrong()
    {
        using var pooled = new MaskedAveragePoolExport();
        using var recurrent = new MaskedLstmExport();
        var path = Path.Combine(Path.GetTempPath(), $"modeldsl-onnx-{Guid.NewGuid():N}.onnx");
        var pooling = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(pooled, path));
        Assert.Contains("padding mask", pooling.Message);
        var lstm = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(recurrent, path));
        Assert.Contains("padding mask", lstm.Message);
        Assert.False(File.Exists(path));
    }

    /// <summary>Every weight and bias uniform in [−0.5, 0.5]: the initial biases (forget gate 1, others 0) would hide a swapped gate.</summary>
    private static void Randomize(Model model, ulong seed)
    {
        var rng = new Rng(seed);
        var parameters = model.Parameters;
        for (int i = 0; i < parameters.Length; i++) parameters[i] = rng.NextFloat() - 0.5f;
    }

    private static float[][] AssertAgreement(Model model, ulong seed)
    {
        var rng = new Rng(seed);
        int length = model.SequenceLength;
        var ids = new long[Windows * length];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(model.Vocabulary);

        var path = Path.Combine(Path.GetTempPath(), $"modeldsl-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(model, path);
            using var session = new InferenceSession(path);
            Assert.Equal(OnnxExporter.InputName, Assert.Single(session.InputMetadata).Key);
            Assert.Equal(OnnxExporter.OutputName, Assert.Single(session.OutputMetadata).Key);

            using var input = OrtValue.CreateTensorValueFromMemory(ids, [Windows, length]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [OnnxExporter.InputName], [input], [OnnxExporter.OutputName]);
            Assert.Equal([Windows, (long)model.OutputSize], results[0].GetTensorTypeAndShape().Shape);
            var actual = results[0].GetTensorDataAsSpan<float>().ToArray();

            var rows = new float[Windows][];
            var window = new int[length];
            double worst = 0;
            for (int w = 0; w < Windows; w++)
            {
                for (int t = 0; t < length; t++) window[t] = (int)ids[w * length + t];
                var expected = new float[model.OutputSize];
                model.Predict(window, expected);
                rows[w] = actual.AsSpan(w * model.OutputSize, model.OutputSize).ToArray();
                for (int k = 0; k < expected.Length; k++)
                {
                    double error = Math.Abs(rows[w][k] - expected[k]);
                    worst = Math.Max(worst, error / Math.Max(Math.Abs(expected[k]), 1e-12));
                    Assert.True(error <= Relative * Math.Abs(expected[k]) + Absolute,
                        $"{model.GetType().Name} window {w} output {k}: ONNX Runtime {rows[w][k]:R}, Predict {expected[k]:R}.");
                }
            }
            Console.WriteLine($"{model.GetType().Name}: worst relative error {worst:E2}");
            return rows;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
