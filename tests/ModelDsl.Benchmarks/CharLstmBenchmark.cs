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
        using var model = new SeedCharLstm(Vocabulary, new ModelOptions { Seed = 1 });
        model.Compile(new RmsProp(0.01f));
        var program = model.GetProgram(ProgramKind.Train, Batch);
        var rng = new Rng(5);
        for (int i = 0; i < Batch * model.SequenceLength; i++) program.Tokens[i] = rng.NextInt(Vocabulary);
        for (int i = 0; i < Batch; i++) program.Targets[i] = rng.NextInt(Vocabulary);

        for (int i = 0; i < 5; i++) model.TrainBatch(Batch); // warm-up: JIT tiers, packing buffers
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long totalBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < trainSteps; i++) model.TrainBatch(Batch);
        clock.Stop();
        double bytesPerStep = (double)(GC.GetTotalAllocatedBytes(precise: true) - totalBefore) / trainSteps;
        double threadBytesPerStep = (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / trainSteps;
        double msPerStep = clock.Elapsed.TotalMilliseconds / trainSteps;
        double samplesPerSecond = Batch / (msPerStep / 1000);

        // Forward phases alone, to see where the time goes.
        var forwardClock = Stopwatch.StartNew();
        for (int i = 0; i < trainSteps; i++) program.Forward(Batch);
        forwardClock.Stop();
        double forwardMs = forwardClock.Elapsed.TotalMilliseconds / trainSteps;

        // Stateful sampling: one LSTM step + softmax + temperature draw per character.
        var prompt = new int[] { 1, 2, 3 };
        model.Generate(prompt, 200, 1.0f, SamplingMode.Stateful, new Rng(1));
        var sampleClock = Stopwatch.StartNew();
        model.Generate(prompt, sampleChars, 1.0f, SamplingMode.Stateful, new Rng(1));
        sampleClock.Stop();
        double usPerChar = sampleClock.Elapsed.TotalMicroseconds / sampleChars;

        return new List<(string, double, string, string)>
        {
            ("charlstm.train.ms_per_step", msPerStep, "ms", "training step, batch 128"),
            ("charlstm.train.samples_per_s", samplesPerSecond, "samples/s", "training throughput"),
            ("charlstm.train.forward_ms", forwardMs, "ms", "forward + loss alone"),
            ("charlstm.train.bytes_per_step", bytesPerStep, "B", "allocated per step (all threads)"),
            ("charlstm.train.thread_bytes_per_step", threadBytesPerStep, "B", "allocated per step (calling thread)"),
            ("charlstm.sample.us_per_char", usPerChar, "µs", "stateful sampling, per character"),
        };
    }
}
