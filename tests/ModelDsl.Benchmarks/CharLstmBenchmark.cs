using System.Diagnostics;
using System.Globalization;
using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Training;

namespace ModelDsl.Benchmarks;

/// <summary>
/// The seed training step (one-hot 57 → LSTM 128 → Dense, seq 60, batch 128, RMSprop) and stateful sampling,
/// timed in one process so the figures compare.
/// </summary>
internal static class CharLstmBenchmark
{
    private const int Vocabulary = 57, Batch = 128;

    public static IReadOnlyList<(string Name, double Value, string Unit, string Label)> Run(int trainSteps, int sampleChars)
    {
        var (model, program) = WarmedUpSeedModel();
        using var disposeModel = model;
        // Per-step times too: on a shared host the fastest and the median step say more than the mean.
        // (Allocated before the allocation counters are read: its 8 bytes per step are the benchmark's, not the step's.)
        var stepTicks = new long[trainSteps];
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long totalBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp(); // not Stopwatch.StartNew(): its 40-byte object would count as the step's
        for (int i = 0; i < trainSteps; i++)
        {
            long stepStart = Stopwatch.GetTimestamp();
            model.TrainBatch(Batch);
            stepTicks[i] = Stopwatch.GetTimestamp() - stepStart;
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        double bytesPerStep = (double)(GC.GetTotalAllocatedBytes(precise: true) - totalBefore) / trainSteps;
        double threadBytesPerStep = (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / trainSteps;
        double msPerStep = elapsed.TotalMilliseconds / trainSteps;
        double samplesPerSecond = Batch / (msPerStep / 1000);

        // Forward phases alone, to see where the time goes.
        var forwardTicks = new long[trainSteps];
        var forwardClock = Stopwatch.StartNew();
        for (int i = 0; i < trainSteps; i++)
        {
            long stepStart = Stopwatch.GetTimestamp();
            program.Forward(Batch);
            forwardTicks[i] = Stopwatch.GetTimestamp() - stepStart;
        }
        forwardClock.Stop();
        double forwardMs = forwardClock.Elapsed.TotalMilliseconds / trainSteps;
        Array.Sort(stepTicks);
        Array.Sort(forwardTicks);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

        double usPerChar = Sample(model, sampleChars);

        return new List<(string, double, string, string)>
        {
            ("charlstm.train.ms_per_step", msPerStep, "ms", "training step, batch 128"),
            ("charlstm.train.samples_per_s", samplesPerSecond, "samples/s", "training throughput"),
            ("charlstm.train.min_ms", Ms(stepTicks[0]), "ms", "fastest training step"),
            ("charlstm.train.median_ms", Ms(stepTicks[trainSteps / 2]), "ms", "median training step"),
            ("charlstm.train.forward_ms", forwardMs, "ms", "forward + loss alone"),
            ("charlstm.train.forward_min_ms", Ms(forwardTicks[0]), "ms", "fastest forward + loss"),
            ("charlstm.train.bytes_per_step", bytesPerStep, "B", "allocated per step (all threads)"),
            ("charlstm.train.thread_bytes_per_step", threadBytesPerStep, "B", "allocated per step (calling thread)"),
            ("charlstm.sample.us_per_char", usPerChar, "µs", "stateful sampling, per character"),
        };
    }

    /// <summary>
    /// The seed model with RMSprop(0.01) and one random batch staged, after 100 training steps: well past 30 calls (and
    /// the 100 ms call-counting delay), so every once-per-step method has reached tier 1 (a tier-up allocates once) and
    /// the packing buffers are sized.
    /// </summary>
    private static (SeedCharLstm Model, Runtime.ProgramExecutor Program) WarmedUpSeedModel()
    {
        var model = new SeedCharLstm(Vocabulary, new ModelOptions { Seed = 1 });
        model.Compile(new RmsProp(0.01f));
        var program = model.GetProgram(ProgramKind.Train, Batch);
        var rng = new Rng(5);
        for (int i = 0; i < Batch * model.SequenceLength; i++) program.Tokens[i] = rng.NextInt(Vocabulary);
        for (int i = 0; i < Batch; i++) program.Targets[i] = rng.NextInt(Vocabulary);
        for (int i = 0; i < 100; i++) model.TrainBatch(Batch);
        return (model, program);
    }

    /// <summary>The seed training step alone, <paramref name="steps"/> times after warm-up: mean, fastest and median ms per step (for a profiler, or to compare two builds).</summary>
    public static (double Mean, double Min, double Median) Train(int steps)
    {
        var (model, _) = WarmedUpSeedModel();
        using var disposeModel = model;
        var ticks = new long[steps];
        for (int i = 0; i < steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            model.TrainBatch(Batch);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }
        Array.Sort(ticks);
        double Ms(long t) => t * 1000.0 / Stopwatch.Frequency;
        return (ticks.Average(t => Ms(t)), Ms(ticks[0]), Ms(ticks[steps / 2]));
    }

    /// <summary>
    /// Windows in one epoch of the seed recipe: Nietzsche (lower-cased), windows of 60 every 3 characters, 10% held out
    /// for validation. Read from <c>shared/data/nietzsche.txt</c> beside or above the working directory (or
    /// <c>$MODELDSL_DATA_DIR</c>); null when the corpus is not found.
    /// </summary>
    public static int? SeedEpochWindows(int sequenceLength)
    {
        string? path = FindCorpus("nietzsche.txt");
        if (path is null) return null;
        string text = ModelDsl.Text.TextNormalization.ReadCorpus(path, lowerCase: true);
        var tokens = ModelDsl.Text.CharTokenizer.FromText(text).Encode(text);
        return new ModelDsl.Data.WindowDataset(tokens, sequenceLength, 3).SplitByPosition(0.1).Train.Count;
    }

    private static string? FindCorpus(string fileName)
    {
        string? dataDir = Environment.GetEnvironmentVariable("MODELDSL_DATA_DIR");
        if (dataDir is not null && File.Exists(Path.Combine(dataDir, fileName))) return Path.Combine(dataDir, fileName);
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(dir.FullName, "shared", "data", fileName), Path.Combine(dir.FullName, "..", "shared", "data", fileName) })
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    }

    /// <summary>µs per character of stateful sampling (batch 1) from a freshly initialised seed model.</summary>
    public static double Sample(int chars)
    {
        using var model = new SeedCharLstm(Vocabulary, new ModelOptions { Seed = 1 });
        return Sample(model, chars);
    }

    // One LSTM step + dense + softmax + temperature draw per character; warmed up first so every method has tiered up.
    private static double Sample(SeedCharLstm model, int chars)
    {
        var prompt = new int[] { 1, 2, 3 };
        for (int i = 0; i < 3; i++) model.Generate(prompt, 2000, 1.0f, SamplingMode.Stateful, new Rng(1));
        var clock = Stopwatch.StartNew();
        model.Generate(prompt, chars, 1.0f, SamplingMode.Stateful, new Rng(1));
        clock.Stop();
        return clock.Elapsed.TotalMicroseconds / chars;
    }
}
