using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ModelDsl;
using ModelDsl.Data;
using ModelDsl.Distributed;
using ModelDsl.MpiRanks;
using ModelDsl.Numerics;
using ModelDsl.Training;

// Usage: ModelDsl.MpiRanks train <out-dir> [--epochs E] [--steps S] [--batch B] [--shards N] [--checkpoint PATH]
//                               [--checkpoint-every K] [--resume PATH] [--fail-rank R --fail-after-fills F | --fail-at-epoch-end E]
//                               [--backend cpu|gpu-emulator] [--learning-rate LR] [--deterministic]
//        ModelDsl.MpiRanks bench [--steps S] [--batch B]
// Started by mpiexec once per rank (or alone). 'train' fits SmallLstm on synthetic tokens and writes, per rank,
// weights.rank<r>.bin (the flat parameters), history.rank<r>.txt (epoch losses, round-trip format) and pid.rank<r>
// at start (fault.rank<r>, the step, after a NonFiniteLossException: exit code 3; error.rank<r>, the error every rank
// received when one rank threw: exit code 4). --fail-after-fills makes rank R's data throw an IOException on a later read
// (in the step); --fail-at-epoch-end makes rank R's epoch callback throw after epoch E (outside the step). Another
// exception is left unhandled (a crash). --deterministic sums across ranks in rank order (DataParallel.Mpi(deterministic: true)).
// 'bench' times seed-model steps and the all-reduce and prints one line from rank 0.
var culture = CultureInfo.InvariantCulture;
string Option(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int Number(string name, int fallback) => int.Parse(Option(name, fallback.ToString(culture)), culture);

string mode = args.Length > 0 ? args[0] : "";
int shards = Number("--shards", 1);
var parallel = shards > 1 ? DataParallel.Sequential(shards) : DataParallel.FromEnvironment();
if (parallel is { Ranks: > 1 } && args.Contains("--deterministic")) parallel = DataParallel.Mpi(deterministic: true);
int rank = parallel?.Rank ?? 0, ranks = parallel?.Ranks ?? 1;

if (mode == "train" && args.Length >= 2)
{
    string output = args[1];
    Directory.CreateDirectory(output);
    File.WriteAllText(Path.Combine(output, $"pid.rank{rank}"), Environment.ProcessId.ToString(culture));
    var tokens = SyntheticTokens(vocabulary: 16, count: 3000, seed: 42);
    ISequenceData train = new WindowDataset(tokens, 12, 1);
    int failRank = Number("--fail-rank", -1), failAfter = Number("--fail-after-fills", -1), failEpoch = Number("--fail-at-epoch-end", -1);
    if (rank == failRank && failAfter >= 0) train = new FailingData(train, failAfter);
    var backend = Option("--backend", "cpu") == "gpu-emulator" ? Backend.GpuEmulator : Backend.Cpu;
    using var model = new SmallLstm(16, new ModelOptions { Seed = 7, Backend = backend });
    string? checkpoint = Option("--checkpoint", "") is { Length: > 0 } c ? c : null;
    var options = new FitOptions
    {
        Epochs = Number("--epochs", 1),
        StepsPerEpoch = args.Contains("--steps") ? Number("--steps", 0) : null,
        BatchSize = Number("--batch", 32),
        Optimizer = new RmsProp(learningRate: float.Parse(Option("--learning-rate", "0.01"), culture)),
        CheckpointPath = checkpoint,
        CheckpointEverySteps = args.Contains("--checkpoint-every") ? Number("--checkpoint-every", 0) : null,
        ResumeFrom = Option("--resume", "") is { Length: > 0 } r ? r : null,
        DataParallel = parallel ?? DataParallel.None,
    };
    TrainingHistory history;
    try
    {
        history = model.Fit(train, options, onEpochEnd: epoch =>
        {
            // Fit calls this on rank 0 only: the failing rank must be 0 for it to fire.
            if (rank == failRank && epoch.Epoch == failEpoch) throw new InvalidOperationException($"Simulated callback failure after epoch {epoch.Epoch}.");
        });
    }
    catch (NonFiniteLossException fault)
    {
        // Every rank must reach this verdict at the same step; the barrier shows none is left in a collective.
        File.WriteAllText(Path.Combine(output, $"fault.rank{rank}"), fault.Step.ToString(culture));
        parallel?.Barrier();
        return 3;
    }
    catch (DataParallelException error)
    {
        // Line 1 what the user reads, line 2 the properties (the failing rank keeps its own exception as the inner one).
        File.WriteAllText(Path.Combine(output, $"error.rank{rank}"), string.Create(culture,
            $"{error.GetType().Name}: {error.Message}\nrank {error.Rank} of {error.Ranks}, {error.CompletedSteps} steps, '{error.RankError}', inner {error.InnerException?.GetType().Name ?? "none"}"));
        Console.Error.WriteLine($"rank {rank}: {error.GetType().Name}: {error.Message}");
        return 4;
    }
    File.WriteAllBytes(Path.Combine(output, $"weights.rank{rank}.bin"), MemoryMarshal.AsBytes(model.Parameters).ToArray());
    File.WriteAllLines(Path.Combine(output, $"history.rank{rank}.txt"), history.Epochs.Select(e => e.TrainingLoss.ToString("R", culture)));
    return 0;
}
if (mode == "bench")
{
    // The seed step (examples/CharLstm's shape, 57 characters) at a global batch; threads per rank from MODELDSL_THREADS.
    int batch = Number("--batch", 128), steps = Number("--steps", 20);
    var tokens = SyntheticTokens(vocabulary: 57, count: 60 + batch * steps * 3 + 10, seed: 1);
    var train = new WindowDataset(tokens, 60, 3);
    using var model = new SeedLstm(57, new ModelOptions { Seed = 1, Backend = Backend.Cpu });
    var options = new FitOptions { BatchSize = batch, Shuffle = false, Optimizer = new RmsProp(0.01f), DataParallel = parallel ?? DataParallel.None };
    model.Fit(train, options with { StepsPerEpoch = 3 }); // warm-up: JIT, buffers, MPI connections
    var reduceBefore = parallel?.AllReduceTime ?? TimeSpan.Zero;
    parallel?.Barrier();
    var clock = Stopwatch.StartNew();
    model.Fit(train, options with { StepsPerEpoch = steps });
    parallel?.Barrier();
    double stepMs = clock.Elapsed.TotalMilliseconds / steps;
    double reduceMs = ((parallel?.AllReduceTime ?? TimeSpan.Zero) - reduceBefore).TotalMilliseconds / steps;
    // The all-reduce alone, ranks already in step: the wire cost without waiting for a slower rank.
    var gradient = new float[model.ParameterCount];
    parallel?.Barrier();
    var pure = new double[steps];
    for (int i = 0; i < steps; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        parallel?.AllReduceSum(gradient.AsSpan());
        pure[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
    Array.Sort(pure);
    string threads = Environment.GetEnvironmentVariable("MODELDSL_THREADS") ?? "all";
    string layout = string.Create(culture, $"ranks {ranks} x threads {threads}") + (shards > 1 ? string.Create(culture, $" ({shards} sequential shards)") : "");
    string reduce = ranks > 1 ? string.Create(culture, $", compute {stepMs - reduceMs:F2} ms, all-reduce in step {reduceMs:F3} ms (incl. waiting for the other rank), all-reduce alone: median {pure[steps / 2]:F3} ms, fastest {pure[0]:F3} ms") : "";
    if (rank == 0)
        Console.WriteLine(string.Create(culture, $"{layout}: global batch {batch}, {model.ParameterCount} parameters ({model.ParameterCount * 4 / 1024.0:F0} KiB): step {stepMs:F2} ms") + reduce);
    return 0;
}
Console.Error.WriteLine("Usage: ModelDsl.MpiRanks train <out-dir> [options] | bench [options]");
return 2;

static int[] SyntheticTokens(int vocabulary, int count, ulong seed)
{
    // A noisy walk, so a model has something to learn and gradients are not degenerate.
    var rng = new Rng(seed);
    var tokens = new int[count];
    for (int i = 1; i < count; i++)
        tokens[i] = rng.NextInt(4) == 0 ? rng.NextInt(vocabulary) : (tokens[i - 1] * 3 + 1) % vocabulary;
    return tokens;
}

/// <summary>Training data that fails after some batches on one rank: an I/O error mid-run.</summary>
sealed class FailingData(ISequenceData inner, int fillsBeforeFailure) : ISequenceData
{
    private int _fills;
    public int Count => inner.Count;
    public int SequenceLength => inner.SequenceLength;
    public ReadOnlySpan<int> Sequence(int index) => inner.Sequence(index);
    public int Target(int index) => inner.Target(index);
    public void FillBatch(ReadOnlySpan<int> indices, Span<int> inputs, Span<int> targets)
    {
        if (++_fills > fillsBeforeFailure) throw new IOException($"Simulated read failure after {fillsBeforeFailure} batches.");
        inner.FillBatch(indices, inputs, targets);
    }
}
