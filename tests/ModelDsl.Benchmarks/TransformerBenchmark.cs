using System.Diagnostics;
using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Training;

namespace ModelDsl.Benchmarks;

/// <summary>
/// The anchors' Transformer decoder (vocabulary 15,000, 99 positions, width 256, feed-forward 2,048, two attentions of
/// 2 heads): ms per training step on the chosen backend, and per generated token with the key/value cache against the
/// seed's way (recompute the whole sequence for every token), measured side by side.
/// </summary>
internal static class TransformerBenchmark
{
    public const int Vocabulary = 15000;

    public static List<(string Name, string Label, double Value, string Unit)> Run(Backend backend, int batch, int steps, int tokens)
    {
        var rows = new List<(string, string, double, string)>();
        string prefix = backend == Backend.Gpu ? "gpu" : "cpu";
        using var model = new AnchorDecoder(new ModelOptions { Seed = 1, Backend = backend });
        int T = model.SequenceLength;
        var rng = new Rng(3);
        var corpus = new int[(T + 1) * Math.Max(batch, 64) * 2];
        for (int i = 0; i < corpus.Length; i++) corpus[i] = rng.NextInt(Vocabulary);
        // Fit, as a user trains (on a GPU the loss comes back every 10 steps).
        double ms = GpuBenchmark.TimeFit(model, new Data.WindowDataset(corpus, T, T + 1), batch, steps, new RmsProp(0.001f));
        rows.Add(($"{prefix}.transformer.b{batch}.ms_per_step", $"training step, batch {batch} × {T} tokens", ms, "ms"));
        rows.Add(($"{prefix}.transformer.b{batch}.tokens_per_s", "training throughput", batch * T / ms * 1000, "tokens/s"));

        // Generation from a 2-token prompt: the cache costs one position per token, the window recomputes all 99.
        var prompt = new[] { 5, 7 };
        model.Generate(prompt, 4, 1f, SamplingMode.Stateful, new Rng(1));
        model.Generate(prompt, 4, 1f, SamplingMode.Window, new Rng(1));
        long start = Stopwatch.GetTimestamp();
        model.Generate(prompt, tokens, 1f, SamplingMode.Stateful, new Rng(1));
        double cached = Stopwatch.GetElapsedTime(start).TotalMilliseconds / tokens;
        start = Stopwatch.GetTimestamp();
        model.Generate(prompt, tokens, 1f, SamplingMode.Window, new Rng(1));
        double window = Stopwatch.GetElapsedTime(start).TotalMilliseconds / tokens;
        rows.Add(($"{prefix}.transformer.sample.cached_ms_per_token", $"sampling with the key/value cache ({tokens} tokens)", cached, "ms/token"));
        rows.Add(($"{prefix}.transformer.sample.window_ms_per_token", "sampling by recomputing the window (the seed)", window, "ms/token"));
        rows.Add(($"{prefix}.transformer.sample.cache_speedup", "cache speed-up", window / cached, "×"));
        return rows;
    }
}
