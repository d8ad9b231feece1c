using System.Globalization;
using ModelDsl.Benchmarks;

// Benchmarks are run by hand (`dotnet run -c Release --project tests/ModelDsl.Benchmarks -- charlstm`), never by dotnet test.
string which = args.Length > 0 ? args[0] : "charlstm";
int steps = args.Length > 1 && which != "micro" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
switch (which)
{
    case "charlstm":
    {
        Console.WriteLine($"ModelDsl charlstm benchmark — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, threads {ModelDsl.Cpu.WorkerPool.Shared.ThreadCount}, .NET {Environment.Version}");
        var rows = CharLstmBenchmark.Run(steps, 20000).ToList();
        double msPerStep = rows.First(r => r.Name == "charlstm.train.ms_per_step").Value;
        int? windows = CharLstmBenchmark.SeedEpochWindows(60);
        int batches = ((windows ?? 200_000) + 127) / 128;
        rows.Add(("charlstm.epoch_seconds", batches * msPerStep / 1000, "s",
            $"one epoch, {batches:N0} batches, extrapolated from {steps} steps" + (windows is null ? " (corpus not found: 200,000 windows assumed)" : "")));
        // The h·U product (128×512×128, the forward step's) against the FMA peak measured in this run, same threads.
        double peak = GemmBenchmark.MeasurePeakGflops(ModelDsl.Cpu.WorkerPool.Shared.ThreadCount);
        double hu = 2.0 * 128 * 512 * 128 / GemmBenchmark.MeasureSeconds(false, false, 128, 512, 128) / 1e9;
        rows.Add(("gemm.peak_gflops", peak, "GFLOP/s", $"measured FMA peak, {ModelDsl.Cpu.WorkerPool.Shared.ThreadCount} threads"));
        rows.Add(("gemm.hu_gflops", hu, "GFLOP/s", "h·U product 128×512×128"));
        rows.Add(("gemm.percent_of_peak", 100 * hu / peak, "%", "h·U product, % of the peak above"));
        Console.WriteLine();
        Console.WriteLine($"{"figure",-44}{"value",14}  unit");
        Console.WriteLine(new string('-', 70));
        foreach (var r in rows) Console.WriteLine($"{r.Label,-44}{r.Value,14:N1}  {r.Unit}");
        Console.WriteLine();
        foreach (var r in rows) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Name} {r.Value:0.###}"));
        return 0;
    }
    case "gemm":
    {
        double peak = GemmBenchmark.MeasurePeakGflops(ModelDsl.Cpu.WorkerPool.Shared.ThreadCount);
        Console.WriteLine($"measured FMA peak ({ModelDsl.Cpu.WorkerPool.Shared.ThreadCount} threads): {peak:N1} GFLOP/s");
        foreach (var r in GemmBenchmark.Run())
            Console.WriteLine($"{r.Name,-28}{r.Gflops,10:N1} GFLOP/s {r.Microseconds,10:N1} µs  {100 * r.Gflops / peak,6:N1}% of peak");
        return 0;
    }
    case "lstm512":
    {
        // The anchors' larger CPU-side reference: LSTM 512 ×2, seq 100, loss at every step (slow on 2 cores).
        using var model = new StackedLstm512(65, new ModelDsl.ModelOptions { Seed = 1 });
        model.Compile(new ModelDsl.Training.RmsProp(0.001f));
        int batch = 64;
        var program = model.GetProgram(ModelDsl.Ir.ProgramKind.Train, batch);
        var rng = new ModelDsl.Numerics.Rng(3);
        for (int i = 0; i < batch * 100; i++) { program.Tokens[i] = rng.NextInt(65); program.Targets[i] = rng.NextInt(65); }
        model.TrainBatch(batch);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int n = Math.Max(1, Math.Min(steps, 3));
        for (int i = 0; i < n; i++) model.TrainBatch(batch);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu.lstm512x2.b64.ms_per_step {clock.Elapsed.TotalMilliseconds / n:0.#}"));
        return 0;
    }
    case "train":
    {
        // The seed training step alone (for a profiler): `-- train 300` steps.
        var (mean, min, median) = CharLstmBenchmark.Train(Math.Max(steps, 1));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"charlstm.train.ms_per_step {mean:0.###}\ncharlstm.train.min_ms {min:0.###}\ncharlstm.train.median_ms {median:0.###}"));
        return 0;
    }
    case "sample":
    {
        // Stateful sampling alone (for a profiler): `-- sample 200000` characters.
        double us = CharLstmBenchmark.Sample(Math.Max(steps, 2000));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"charlstm.sample.us_per_char {us:0.###}"));
        return 0;
    }
    case "micro":
        // BenchmarkDotNet: `-- micro --filter *` (or *Gemm*, *Fused*); everything after "micro" goes to BenchmarkDotNet.
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(GemmMicro).Assembly).Run(args[1..]);
        return 0;
    case "transformer":
    {
        // CPU: batch 16 keeps the [B·99, 15000] logits and their gradient under 200 MB.
        Console.WriteLine($"ModelDsl transformer benchmark (CPU) — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, threads {ModelDsl.Cpu.WorkerPool.Shared.ThreadCount}, .NET {Environment.Version}");
        var rows = TransformerBenchmark.Run(ModelDsl.Backend.Cpu, batch: 16, steps: Math.Min(steps, 5), tokens: 40);
        Console.WriteLine();
        foreach (var r in rows) Console.WriteLine($"{r.Label,-52}{r.Value,14:N2}  {r.Unit}");
        Console.WriteLine();
        foreach (var r in rows) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Name} {r.Value:0.###}"));
        return 0;
    }
    case "gpu":
        return GpuBenchmark.Run(steps);
    case "gpu-dry":
        return GpuBenchmark.Run(steps, dryRun: true);
    default:
        Console.Error.WriteLine($"Unknown benchmark '{which}'. Available: charlstm, train, gemm, sample, micro, lstm512, transformer, gpu, gpu-dry");
        return 2;
}
