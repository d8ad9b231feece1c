using ModelDsl.Data;
using ModelDsl.Ir;
using ModelDsl.Runtime;
using ModelDsl.Tests.Models;
using ModelDsl.Training;

namespace ModelDsl.Tests.Reliability;

/// <summary>
/// Numerical faults: a NaN or an infinity in the loss or the gradients stops training with an error naming the step and the
/// first layer where it appeared, before any update; <see cref="FitOptions.SkipNonFiniteBatches"/> skips such batches instead.
/// </summary>
public sealed class NonFiniteTests
{
    private static WindowDataset Data(int vocabulary, int windowLength, int tokens, ulong seed)
    {
        var rng = new Numerics.Rng(seed);
        var ids = new int[tokens];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(vocabulary);
        return new WindowDataset(ids, windowLength, 1);
    }

    [Fact]
    public void An_overflowing_activation_stops_training_naming_the_step_and_the_layer_and_changes_nothing()
    {
        // Weights all finite: forget, input and output gates open (bias 100) make every h ≈ tanh(5) > 0, so logits are a sum
        // of eight products ≈ 3e38 each: +∞ in dense_logits, NaN in the loss (∞ − ∞ in the softmax).
        using var model = new TinyCharLstm(vocabulary: 4, new ModelOptions { Seed = 1 });
        var data = Data(4, 5, 40, seed: 2);
        model.Fit(data, new FitOptions { BatchSize = 4, StepsPerEpoch = 2 });
        model.Parameter("lstm.bias").Fill(100f);
        model.Parameter("dense.kernel").Fill(3e38f);
        var before = model.Parameters.ToArray();
        var state = model.OptimizerState.ToArray();

        var e = Assert.Throws<NonFiniteLossException>(() => model.Fit(data, new FitOptions { BatchSize = 4 }));

        Assert.Equal(3, e.Step);
        Assert.False(e.InGradients);
        Assert.True(double.IsNaN(e.Loss));
        Assert.Equal("dense", e.Layer);
        Assert.Equal("dense_logits", e.Site!.Value);
        Assert.Contains("step 3", e.Message);
        Assert.Contains("layer 'dense' (dense_logits)", e.Message);
        Assert.Equal(2, model.Step);
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(state, model.OptimizerState.ToArray());
    }

    [Fact]
    public void Predicting_or_sampling_a_non_finite_output_names_the_layer_and_draws_nothing()
    {
        // The same overflow as above, met by inference: +∞ in dense_logits, NaN probabilities out of the softmax.
        using var model = new TinyCharLstm(vocabulary: 4, new ModelOptions { Seed = 1 });
        model.Parameter("lstm.bias").Fill(100f);
        model.Parameter("dense.kernel").Fill(3e38f);
        var sampling = model.SamplingRandom.GetState();

        var predict = Assert.Throws<NonFiniteOutputException>(() => model.Predict([0, 1, 2, 3, 0], new float[4]));
        Assert.Contains("layer 'dense' (dense_logits)", predict.Message);
        Assert.Equal("dense", predict.Layer);
        Assert.True(float.IsNaN(predict.Value));
        foreach (var mode in new[] { SamplingMode.Window, SamplingMode.Stateful })
        {
            var generate = Assert.Throws<NonFiniteOutputException>(() => model.Generate([1, 2], 5, 1f, mode));
            Assert.Contains("layer 'dense' (dense_logits)", generate.Message);
        }
        Assert.Equal(sampling, model.SamplingRandom.GetState());
    }

    [Fact]
    public void A_non_finite_weight_is_named_with_its_layer()
    {
        using var model = new TinyStack(new ModelOptions { Seed = 3 });
        model.Parameter("lstm_1.recurrent_kernel")[5] = float.NaN;
        var e = Assert.Throws<NonFiniteLossException>(() => model.Fit(Data(9, 4, 30, seed: 4), new FitOptions { BatchSize = 8 }));
        Assert.Equal(1, e.Step);
        Assert.Equal("lstm_1", e.Layer);
        Assert.Equal("lstm_1.recurrent_kernel", e.Site!.Value);
        Assert.Equal(0, model.Step);
    }

    [Fact]
    public void Gradients_that_overflow_in_backward_under_a_finite_loss_are_caught_and_located()
    {
        // Closed output gates (bias −100) make h ≈ 0, so the logits are ≈ 0 and the loss is ln 4; but dL/dh = Σⱼ (pⱼ − yⱼ)·Wₖⱼ
        // with W = −3e38 at the target and +3e38 elsewhere is 6e38·(1 − p_target) = 4.5e38: +∞ in float.
        using var model = new TinyCharLstm(vocabulary: 4, new ModelOptions { Seed = 5 });
        int[] tokens = [0, 1, 2, 3, 0, 2];
        var data = new WindowDataset(tokens, 5, 1);
        int target = tokens[5];
        model.Parameter("lstm.bias")[(3 * 8)..].Fill(-100f);
        var kernel = model.Parameter("dense.kernel");
        for (int k = 0; k < 8; k++)
            for (int j = 0; j < 4; j++)
                kernel[k * 4 + j] = j == target ? -3e38f : 3e38f;
        var before = model.Parameters.ToArray();

        var e = Assert.Throws<NonFiniteLossException>(() => model.Fit(data, new FitOptions { BatchSize = 1 }));

        Assert.True(e.InGradients);
        Assert.True(double.IsFinite(e.Loss), $"loss {e.Loss}");
        Assert.Equal(1, e.Step);
        Assert.Equal("lstm", e.Layer);
        Assert.True(e.Site!.InBackward);
        Assert.StartsWith("d_lstm_", e.Site.Value);
        Assert.Contains("gradients became non-finite at step 1", e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(0, model.Step);
    }

    [Fact]
    public void Skipping_non_finite_batches_trains_on_the_others_and_counts_the_skips()
    {
        // Token 8's embedding is NaN: every window holding it gives a NaN loss; the others train normally.
        var rng = new Numerics.Rng(6);
        var tokens = new int[40];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(8);
        tokens[12] = 8;
        tokens[30] = 8;
        var data = new WindowDataset(tokens, 4, 1);
        int poisoned = Enumerable.Range(0, data.Count).Count(w => data.Window(w).Contains(8));
        using var model = new TinyStack(new ModelOptions { Seed = 7 });
        var embeddings = model.Parameter("embedding.embeddings");
        embeddings.Slice(8 * 6, 6).Fill(float.NaN);

        var history = model.Fit(data, new FitOptions { BatchSize = 1, Shuffle = false, SkipNonFiniteBatches = true, Epochs = 2 });

        Assert.Equal(8, poisoned);
        Assert.All(history.Epochs, e => Assert.Equal(poisoned, e.SkippedBatches));
        Assert.All(history.Epochs, e => Assert.True(double.IsFinite(e.TrainingLoss)));
        Assert.Equal(2 * (data.Count - poisoned), model.Step);
        var parameters = model.Parameters.ToArray();
        int row = 8 * 6;
        Assert.All(parameters.Where((_, i) => i < row || i >= row + 6), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Buffers_map_to_the_layer_they_are_named_after()
    {
        using var model = new TinyStack();
        var program = model.GetProgram(ProgramKind.Train, 2);
        string? Layer(string name) => program.LayerOf(program.Program.Buffers.Single(b => b.Name == name));
        Assert.Equal("lstm_1", Layer("lstm_1_z"));
        Assert.Equal("lstm", Layer("lstm_z"));
        Assert.Equal("lstm_1", Layer("d_lstm_1_h"));
        Assert.Equal("dropout_1", Layer("d_dropout_1_out"));
        Assert.Equal("embedding", Layer("embedding_out"));
        Assert.Equal("dense", Layer("dense_logits"));
        Assert.Null(Layer("tokens"));
        Assert.Null(Layer("parameters"));
    }

    [Fact]
    public void The_reference_backend_locates_non_finite_activations_too()
    {
        using var model = new TinyCharLstm(vocabulary: 4, new ModelOptions { Seed = 1, Backend = Backend.Reference });
        var program = model.GetProgram(ProgramKind.Train, 2);
        int[] tokens = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1];
        tokens.CopyTo(program.Tokens);
        program.Targets[0] = 1;
        program.Targets[1] = 2;
        program.Forward(2);
        Assert.Null(program.FindNonFinite(2, backward: false));
        model.Parameter("lstm.kernel")[0] = float.PositiveInfinity;
        program.Forward(2);
        var site = program.FindNonFinite(2, backward: false);
        Assert.Equal(new NonFiniteSite("lstm", "lstm.kernel", false), site);
    }
}
