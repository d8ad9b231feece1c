using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Sampling;
using ModelDsl.Tests.Models;
using ModelDsl.Tests.Programs;

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

    /// <summary>
    /// Generation keeps only the window (or, for attention, the cache's worth of tokens), not every token: the tokens it
    /// draws must still be those of the plain algorithm that keeps the whole history, past the window and the cache.
    /// </summary>
    [Theory]
    [InlineData(nameof(TinyCharLstm), SamplingMode.Window, 1)]
    [InlineData(nameof(TinyCharLstm), SamplingMode.Window, 9)]
    [InlineData(nameof(TinyCharLstm), SamplingMode.Stateful, 3)]
    [InlineData(nameof(TinyDecoder), SamplingMode.Window, 2)]
    [InlineData(nameof(TinyDecoder), SamplingMode.Window, 8)]
    [InlineData(nameof(TinyDecoder), SamplingMode.Stateful, 2)]
    [InlineData(nameof(TinyDecoder), SamplingMode.Stateful, 12)]
    public void Generated_tokens_match_the_algorithm_that_keeps_the_whole_history(string name, SamplingMode mode, int promptLength)
    {
        const int Count = 41;
        using var model = GradientTests.Create(name);
        var prompt = Enumerable.Range(0, promptLength).Select(i => 1 + i % (model.Vocabulary - 1)).ToArray();
        var expected = mode == SamplingMode.Window
            ? KeepAllWindow(model, prompt, Count, 0.9f, new Rng(21))
            : KeepAllStateful(model, prompt, Count, 0.9f, new Rng(21));

        var streamed = new List<int>();
        var returned = model.Generate(prompt, Count, 0.9f, mode, new Rng(21), streamed.Add);

        Assert.Equal(expected, returned);
        Assert.Equal(expected, streamed);
    }

    [Fact]
    public void GenerateStreaming_delivers_the_same_tokens_as_Generate()
    {
        using var model = GradientTests.Create(nameof(TinyDecoder));
        var streamed = new List<int>();
        model.GenerateStreaming(new[] { 3, 4 }, 30, 0.8f, streamed.Add, SamplingMode.Stateful, new Rng(5));
        Assert.Equal(model.Generate(new[] { 3, 4 }, 30, 0.8f, SamplingMode.Stateful, new Rng(5)), streamed);
        Assert.Throws<ArgumentNullException>(() => model.GenerateStreaming(new[] { 3 }, 3, 1f, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.GenerateStreaming(new[] { 3 }, -1, 1f, _ => { }));
    }

    // The generation algorithm as it was before it streamed: every token kept in a list, the window copied from its end.
    private static int[] KeepAllWindow(Model model, int[] prompt, int count, float temperature, Rng rng)
    {
        bool positional = Lowering.UsesPositions(model.Declaration);
        var history = new List<int>(prompt);
        var window = new int[model.SequenceLength];
        var output = new float[model.OutputSize];
        var result = new int[count];
        for (int i = 0; i < count; i++)
        {
            int have = Math.Min(history.Count, model.SequenceLength);
            Array.Fill(window, 0);
            if (positional)
            {
                history.CopyTo(history.Count - have, window, 0, have);
                model.Predict(window, output, have - 1);
            }
            else
            {
                history.CopyTo(history.Count - have, window, model.SequenceLength - have, have);
                model.Predict(window, output);
            }
            result[i] = TemperatureSampler.Sample(output, temperature, rng);
            history.Add(result[i]);
        }
        return result;
    }

    private static int[] KeepAllStateful(Model model, int[] prompt, int count, float temperature, Rng rng)
    {
        var program = model.GetProgram(ProgramKind.Step, 1);
        program.ResetState();
        int capacity = program.Program.CacheCapacity;
        var fed = new List<int>();
        var output = new float[model.OutputSize];
        void Feed(int id)
        {
            if (capacity > 0 && program.CachedPositions >= capacity)
            {
                program.ResetState();
                int keep = Math.Max(0, capacity / 2 - 1);
                for (int k = fed.Count - keep; k < fed.Count; k++)
                {
                    program.Tokens[0] = fed[k];
                    program.Forward(1);
                }
            }
            fed.Add(id);
            program.Tokens[0] = id;
            program.Forward(1);
        }
        for (int i = capacity > 0 && prompt.Length > capacity ? prompt.Length - capacity : 0; i < prompt.Length; i++) Feed(prompt[i]);
        var result = new int[count];
        for (int i = 0; i < count; i++)
        {
            program.ReadOutput(output, 1);
            result[i] = TemperatureSampler.Sample(output, temperature, rng);
            if (i + 1 < count) Feed(result[i]);
        }
        return result;
    }
}
