using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Sampling;
using ModelDsl.Tests.Models;

namespace ModelDsl.Tests.Programs;

/// <summary>What attention models promise beyond the generic agreement and gradient checks.</summary>
public class TransformerTests
{
    public static TheoryData<string> CausalModels => new() { nameof(TinyDecoder), nameof(TinySeedDecoder), nameof(TinyAttention) };

    private static float[] OutputAt(Model model, int[] window, int position)
    {
        var output = new float[model.OutputSize];
        model.Predict(window, output, position);
        return output;
    }

    [Theory]
    [MemberData(nameof(CausalModels))]
    public void Changing_token_t_changes_no_output_before_t(string name)
    {
        using var model = GradientTests.Create(name);
        int T = model.SequenceLength;
        var rng = new Rng(21);
        var window = new int[T];
        for (int i = 0; i < T; i++) window[i] = 1 + rng.NextInt(model.Vocabulary - 1);
        for (int t = 0; t < T; t++)
        {
            var changed = (int[])window.Clone();
            changed[t] = 1 + (window[t] % (model.Vocabulary - 1));
            for (int p = 0; p < T; p++)
            {
                var before = OutputAt(model, window, p);
                var after = OutputAt(model, changed, p);
                if (p < t) Assert.True(before.SequenceEqual(after), $"{name}: output at {p} changed when token {t} did");
                else if (p == t) Assert.False(before.SequenceEqual(after), $"{name}: output at {p} ignores its own token");
            }
        }
    }

    [Fact]
    public void Odd_sizes_agree_with_the_interpreter_in_training_and_inference()
    {
        using var model = new OddDecoder(new ModelOptions { Seed = 3 });
        const int batch = 3;
        var train = model.GetProgram(ProgramKind.Train, batch);
        ProgramHarness.FillRandom(train, batch, model.Vocabulary, model.TargetClasses, 4);
        for (int i = 0; i < batch * model.SequenceLength; i += 5) train.Tokens[i] = 0; // padding scattered through
        var interpreter = ProgramHarness.InterpreterFor(model, train, batch);
        interpreter.Forward();
        interpreter.Backward();
        model.Gradients.Clear();
        double loss = train.Forward(batch);
        train.Backward(batch);
        Assert.True(Math.Abs(loss - interpreter.Loss) <= 1e-5 * interpreter.Loss, $"loss {loss} vs {interpreter.Loss}");
        ProgramHarness.AssertClose(model.Gradients, interpreter.Gradients, 1e-3, 1e-6, "OddDecoder gradients");

        var infer = model.GetProgram(ProgramKind.Infer, batch);
        train.Tokens[..(batch * model.SequenceLength)].CopyTo(infer.Tokens);
        infer.QueryPositions[0] = 0; infer.QueryPositions[1] = 9; infer.QueryPositions[2] = 16;
        var reference = ProgramHarness.InterpreterFor(model, infer, batch);
        reference.Forward();
        infer.Forward(batch);
        var output = new float[batch * model.OutputSize];
        infer.ReadOutput(output, batch);
        ProgramHarness.AssertClose(output, reference.Output(), 1e-4, 1e-5, "OddDecoder output");
    }

    [Fact]
    public void Non_causal_attention_sees_later_tokens()
    {
        // The control for the test above: without the causal mask the first output depends on the last token.
        using var model = GradientTests.Create(nameof(TinyEncoderClassifier));
        var window = new[] { 1, 2, 3 };
        var a = new float[model.OutputSize];
        var b = new float[model.OutputSize];
        model.Predict(window, a);
        window[2] = 4;
        model.Predict(window, b);
        Assert.False(a.SequenceEqual(b));
        Assert.False(Lowering.SupportsStep(model.Declaration));
    }

    [Theory]
    [InlineData(nameof(TinyDecoder))]
    [InlineData(nameof(TinySeedDecoder))]
    [InlineData(nameof(TinyAttention))]
    public void Key_value_cache_gives_the_full_recomputation_at_every_position(string name)
    {
        using var model = GradientTests.Create(name);
        int T = model.SequenceLength;
        var rng = new Rng(5);
        var window = new int[T];
        for (int i = 0; i < T; i++) window[i] = rng.NextInt(model.Vocabulary);
        window[1] = 0; // a padded key where the model masks id 0
        var step = model.GetProgram(ProgramKind.Step, 1);
        step.ResetState();
        var cached = new float[model.OutputSize];
        for (int p = 0; p < T; p++)
        {
            step.Tokens[0] = window[p];
            step.Forward(1);
            step.ReadOutput(cached, 1);
            var full = OutputAt(model, window, p);
            ProgramHarness.AssertClose(cached, full.Select(v => (double)v).ToArray(), 1e-5, 1e-6, $"{name} position {p}");
        }
    }

    [Fact]
    public void Step_program_refuses_to_overflow_its_cache()
    {
        using var model = GradientTests.Create(nameof(TinySeedDecoder));
        var step = model.GetProgram(ProgramKind.Step, 1);
        step.ResetState();
        Assert.Equal(6, step.Program.CacheCapacity); // the position table, longer than the 4-token window
        for (int i = 0; i < 6; i++) { step.Tokens[0] = 1; step.Forward(1); }
        var e = Assert.Throws<InvalidOperationException>(() => step.Forward(1));
        Assert.Contains("key/value cache holds 6 positions", e.Message);
        step.ResetState();
        step.Forward(1);
        Assert.Equal(1, step.CachedPositions);
    }

    [Fact]
    public void A_position_table_without_attention_also_bounds_the_step_program()
    {
        using var model = GradientTests.Create(nameof(PositionalGru));
        var step = model.GetProgram(ProgramKind.Step, 1);
        Assert.Equal(3, step.Program.CacheCapacity);
        step.ResetState();
        for (int i = 0; i < 3; i++) { step.Tokens[0] = 1; step.Forward(1); }
        Assert.Throws<InvalidOperationException>(() => step.Forward(1));
        Assert.Equal(9, model.Generate(new[] { 1, 2 }, 9, 1f, SamplingMode.Stateful, new Rng(2)).Length);
    }

    [Theory]
    [InlineData(SamplingMode.Window)]
    [InlineData(SamplingMode.Stateful)]
    public void Generation_runs_past_the_window_and_the_cache(SamplingMode mode)
    {
        using var model = GradientTests.Create(nameof(TinyDecoder));
        var tokens = model.Generate(new[] { 3, 4 }, 23, 0.7f, mode, new Rng(1));
        Assert.Equal(23, tokens.Length);
        Assert.All(tokens, id => Assert.InRange(id, 0, model.Vocabulary - 1));
    }

    [Fact]
    public void Greedy_stateful_and_window_generation_agree_while_the_window_holds_everything()
    {
        // Both read the tokens from position 0 until the window is full; with greedy draws they must pick the same tokens.
        using var model = GradientTests.Create(nameof(TinyDecoder));
        var window = model.Generate(new[] { 2 }, model.SequenceLength - 1, 0f, SamplingMode.Window);
        var stateful = model.Generate(new[] { 2 }, model.SequenceLength - 1, 0f, SamplingMode.Stateful);
        Assert.Equal(window, stateful);
    }

    [Fact]
    public void Top_1_is_greedy_at_any_temperature()
    {
        using var model = GradientTests.Create(nameof(TinyDecoder));
        var greedy = model.Generate(new[] { 5 }, 8, 0f, SamplingMode.Stateful);
        var top1 = model.Generate(new[] { 5 }, 8, 1.5f, SamplingMode.Stateful, new Rng(9), topK: 1);
        Assert.Equal(greedy, top1);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(new[] { 5 }, 1, 1f, topK: -1));
    }

    [Fact]
    public void Predict_checks_the_position()
    {
        using var model = GradientTests.Create(nameof(TinyDecoder));
        var window = new int[model.SequenceLength];
        var output = new float[model.OutputSize];
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(window, output, model.SequenceLength));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(window, output, -1));
        using var lstm = GradientTests.Create(nameof(TinyCharLstm));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => lstm.Predict(new int[lstm.SequenceLength], new float[lstm.OutputSize], 0));
        Assert.Contains("one output per window", e.Message);
    }

    [Fact]
    public void Seed_configuration_has_the_keras_parameter_counts()
    {
        // Keras: Embedding(15000, 256) + Embedding(100, 256); two MultiHeadAttention(2 heads, key_dim 256) of
        // 3·(256·512 + 512) + 512·256 + 256 each, Dense 2048 and Dense 256, three LayerNormalization(256).
        using var model = new SeedTransformerShape();
        var layers = model.Layers();
        Assert.Equal(15000 * 256 + 100 * 256, layers.Single(l => l.Name == "positional_embedding").Parameters);
        Assert.Equal(2 * (3 * (256 * 512 + 512) + 512 * 256 + 256) + (256 * 2048 + 2048) + (2048 * 256 + 256) + 3 * 2 * 256,
            layers.Single(l => l.Name == "transformer_decoder").Parameters);
        Assert.Equal(2_104_576, layers.Single(l => l.Name == "transformer_decoder").Parameters);
        Assert.Equal("(None, 99, 15000)", layers.Single(l => l.Name == "dense").OutputShape);
        Assert.Equal("(None, 99, 256)", layers.Single(l => l.Name == "transformer_decoder").OutputShape);
    }

    [Fact]
    public void A_trained_decoder_saves_and_loads_with_the_same_predictions_and_cache()
    {
        using var model = GradientTests.Create(nameof(TinySeedDecoder));
        model.Compile(new ModelDsl.Training.RmsProp(0.01f));
        var program = model.GetProgram(ProgramKind.Train, 4);
        ProgramHarness.FillRandom(program, 4, model.Vocabulary, model.TargetClasses, 2);
        for (int i = 0; i < 3; i++) model.TrainBatch(4);
        string path = Path.Combine(Path.GetTempPath(), "modeldsl-decoder-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            model.Save(path);
            using var loaded = GradientTests.Create(nameof(TinySeedDecoder), seed: 99);
            loaded.Load(path);
            var window = new[] { 3, 0, 5, 7 };
            for (int p = 0; p < window.Length; p++) Assert.Equal(OutputAt(model, window, p), OutputAt(loaded, window, p));
            Assert.Equal(model.Generate(new[] { 2 }, 6, 0f, SamplingMode.Stateful), loaded.Generate(new[] { 2 }, 6, 0f, SamplingMode.Stateful));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Parameters_are_named_as_keras_names_them()
    {
        var names = Lowering.Lower(TinySeedDecoder.Architecture, ProgramKind.Train).Parameters.Select(p => p.Name).ToList();
        Assert.Contains("positional_embedding.token_embeddings", names);
        Assert.Contains("positional_embedding.position_embeddings", names);
        Assert.Contains("transformer_decoder.attention_1.query.kernel", names);
        Assert.Contains("transformer_decoder.attention_2.attention_output.bias", names);
        Assert.Contains("transformer_decoder.layernorm_3.gamma", names);
        Assert.Contains("transformer_decoder.dense_proj.dense_1.kernel", names);
        var standard = Lowering.Lower(TinyDecoder.Architecture, ProgramKind.Train).Parameters.Select(p => p.Name).ToList();
        Assert.DoesNotContain(standard, n => n.Contains("attention_2"));
        Assert.Contains("transformer_decoder.layernorm_2.beta", standard);
    }
}

public class TopKTests
{
    [Fact]
    public void Keeps_the_k_largest_and_ties_at_the_threshold()
    {
        var p = new float[] { 0.1f, 0.4f, 0.2f, 0.2f, 0.1f };
        TopK.Filter(p, 2, logits: false);
        Assert.Equal(new float[] { 0, 0.4f, 0.2f, 0.2f, 0 }, p);
        var z = new float[] { 3, -1, 2, 5 };
        TopK.Filter(z, 1, logits: true);
        Assert.Equal(new[] { float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity, 5f }, z);
    }

    [Fact]
    public void Zero_or_a_large_k_keeps_everything()
    {
        var p = new float[] { 0.5f, 0.25f, 0.25f };
        TopK.Filter(p, 0, logits: false);
        TopK.Filter(p, 3, logits: false);
        Assert.Equal(new float[] { 0.5f, 0.25f, 0.25f }, p);
    }

    [Fact]
    public void Kth_largest_matches_sorting()
    {
        var rng = new Rng(3);
        var values = Enumerable.Range(0, 500).Select(_ => rng.NextFloat()).ToArray();
        var sorted = values.OrderByDescending(v => v).ToArray();
        foreach (int k in new[] { 1, 2, 17, 250, 500 }) Assert.Equal(sorted[k - 1], TopK.KthLargest(values, k));
    }

    [Fact]
    public void Draws_never_leave_the_top_k()
    {
        var rng = new Rng(8);
        var p = new float[] { 0.3f, 0.05f, 0.25f, 0.1f, 0.3f };
        for (int i = 0; i < 200; i++)
        {
            var copy = (float[])p.Clone();
            TopK.Filter(copy, 3, logits: false);
            int drawn = TemperatureSampler.Sample(copy, 1.2f, rng);
            Assert.Contains(drawn, new[] { 0, 2, 4 });
        }
    }
}
