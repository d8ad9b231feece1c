using ModelDsl.Numerics;
using ModelDsl.Tests.Models;

namespace ModelDsl.Tests.Training;

public class GenerationTests
{
    [Fact]
    public void Greedy_window_and_stateful_modes_agree_on_the_first_token_after_a_full_window()
    {
        using var model = new TinyCharLstm(vocabulary: 7, new ModelOptions { Seed = 4 });
        var prompt = new[] { 1, 2, 3, 4, 5 };
        var window = model.Generate(prompt, 1, 0f, SamplingMode.Window);
        var stateful = model.Generate(prompt, 1, 0f, SamplingMode.Stateful);
        var probabilities = new float[7];
        model.Predict(prompt, probabilities);
        int argMax = Array.IndexOf(probabilities, probabilities.Max());
        Assert.Equal(argMax, window[0]);
        Assert.Equal(argMax, stateful[0]);
    }

    [Fact]
    public void Generation_is_seedable_and_streams_every_token()
    {
        using var model = new TinyCharLstm(vocabulary: 7, new ModelOptions { Seed = 4 });
        var streamed = new List<int>();
        var a = model.Generate(new[] { 1 }, 50, 1.0f, SamplingMode.Stateful, new Rng(9), streamed.Add);
        var b = model.Generate(new[] { 1 }, 50, 1.0f, SamplingMode.Stateful, new Rng(9));
        Assert.Equal(a, b);
        Assert.Equal(a, streamed);
        Assert.All(a, id => Assert.InRange(id, 0, 6));
    }

    [Fact]
    public void Stateful_sampling_draws_match_the_model_probabilities()
    {
        // At T = 1 the first draw after a fixed prompt follows the model's distribution: chi-square over many runs.
        using var model = new TinyCharLstm(vocabulary: 7, new ModelOptions { Seed = 5 });
        var prompt = new[] { 3, 1, 4, 1, 5 };
        var p = new float[7];
        model.Predict(prompt, p);
        var counts = new int[7];
        var rng = new Rng(77);
        const int Draws = 3000;
        for (int i = 0; i < Draws; i++) counts[model.Generate(prompt, 1, 1f, SamplingMode.Window, rng)[0]]++;
        double chi = 0;
        for (int k = 0; k < 7; k++) chi += Math.Pow(counts[k] - Draws * p[k], 2) / (Draws * p[k]);
        Assert.True(chi < 22.46, $"chi-square {chi} over 6 degrees of freedom (0.999 quantile 22.46)"); 
    }

    [Fact]
    public void Bad_sampling_arguments_are_rejected()
    {
        using var model = new TinyCharLstm(vocabulary: 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(new[] { 1 }, 5, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(new[] { 1 }, 5, -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(new[] { 9 }, 5, 1f));
        Assert.Throws<ArgumentException>(() => model.Generate(Array.Empty<int>(), 5, 1f));
    }
}
