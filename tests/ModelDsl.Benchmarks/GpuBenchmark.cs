using System.Diagnostics;
using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Training;

namespace ModelDsl.Benchmarks;

/// <summary>
/// On a CUDA machine: the seed model's GPU programs against the CPU backend at real sizes (loss, every gradient,
/// inference output), then ms per training step at the anchors' batch sizes. Printed as a table and name/value lines.
/// </summary>
internal static class GpuBenchmark
{
    private const int Vocabulary = 57;

    /// <param name="dryRun">
    /// Runs the same code on ILGPU's CPU emulator at tiny batches, seed model only, one step each (`-- gpu-dry`): a check of
    /// this harness and of the packed app before a device session is spent on it. Its timings mean nothing.
    /// </param>
    public static int Run(int steps, bool dryRun = false)
    {
        if (!dryRun && !Runtime.GpuAvailability.HasCudaDevice())
        {
            Console.Error.WriteLine("No CUDA device: the gpu benchmark needs one (use the device machine; `gpu-dry` checks this harness on the emulator).");
            return 1;
        }
        var backend = dryRun ? Backend.GpuEmulator : Backend.Gpu;
        if (dryRun)
        {
            Console.WriteLine("DRY RUN on ILGPU's CPU emulator: tiny batches, timings meaningless.");
            steps = 1;
        }

        bool agree = Agreement(dryRun ? 3 : 128, backend);
        var rows = new List<(string Name, double Value)>();
        // Timed through Fit, as a user trains: the loss is read back every 10 steps and at the epoch's end (the PyTorch
        // anchors synchronise only at the end of their timed loop). Each model runs one warm-up epoch first.
        foreach (int batch in dryRun ? new[] { 2 } : new[] { 128, 1024 })
        {
            // Fused recurrent steps (the default), the forward fused alone, and the product and cell as two launches per step.
            var configurations = new[] { ("", true, true), (".fwdfused", true, false), (".unfused", false, false) };
            foreach (var (name, forward, backward) in dryRun ? configurations[..1] : configurations)
            {
                using var model = new SeedCharLstm(Vocabulary, new ModelOptions { Seed = 1, Backend = backend });
                var device = ((Gpu.GpuProgram)model.GetProgram(ProgramKind.Train, batch)).Device;
                var saved = (device.FuseRecurrentSteps, device.FuseRecurrentBackwardSteps);
                (device.FuseRecurrentSteps, device.FuseRecurrentBackwardSteps) = (forward, backward);
                var data = new Data.WindowDataset(RandomTokens(Vocabulary, 60 * 4096, 5), 60, 3);
                rows.Add(($"gpu.charlstm.b{batch}{name}.ms_per_step", TimeFit(model, data, batch, steps, new RmsProp(0.01f), warmUp: dryRun ? 1 : 3)));
                (device.FuseRecurrentSteps, device.FuseRecurrentBackwardSteps) = saved;
            }
        }
        foreach (int batch in dryRun ? Array.Empty<int>() : new[] { 64, 512 })
        {
            using var model = new StackedLstm512(65, new ModelOptions { Seed = 1, Backend = Backend.Gpu });
            var data = new Data.WindowDataset(RandomTokens(65, 101 * 2048, 3), 100, 101);
            rows.Add(($"gpu.lstm512x2.b{batch}.ms_per_step", TimeFit(model, data, batch, Math.Max(5, steps / 5), new RmsProp(0.001f))));
        }
        // The anchors' Transformer decoder at batch 256 (PyTorch/cuDNN: 25.7 ms per step on an H100).
        if (!dryRun)
            foreach (var r in TransformerBenchmark.Run(Backend.Gpu, batch: 256, steps: Math.Max(3, steps / 5), tokens: 50))
                rows.Add((r.Name, r.Value));
        Console.WriteLine($"{"figure",-40}{"value",12}");
        foreach (var r in rows) Console.WriteLine($"{r.Name,-40}{r.Value,12:N3}");
        Console.WriteLine();
        Console.WriteLine($"gpu.agreement {(agree ? 1 : 0)}");
        foreach (var r in rows) Console.WriteLine(FormattableString.Invariant($"{r.Name} {r.Value:0.###}"));
        return agree ? 0 : 3;
    }

    private static int[] RandomTokens(int vocabulary, int count, ulong seed)
    {
        var rng = new Rng(seed);
        var tokens = new int[count];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(vocabulary);
        return tokens;
    }

    /// <summary>ms per step of <paramref name="steps"/> steps of Fit, after a warm-up epoch of 3 steps.</summary>
    public static double TimeFit(Model model, Data.ISequenceData data, int batch, int steps, Optimizer optimizer, int warmUp = 3)
    {
        var options = new FitOptions { Epochs = 1, BatchSize = batch, StepsPerEpoch = warmUp, Optimizer = optimizer, Progress = TextWriter.Null, LossReadbackEvery = 10 };
        model.Fit(data, options);
        long start = Stopwatch.GetTimestamp();
        model.Fit(data, options with { StepsPerEpoch = steps, Optimizer = null });
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds / steps;
    }

    private static void Fill(Runtime.ProgramExecutor program, int batch, ulong seed)
    {
        var rng = new Rng(seed);
        for (int i = 0; i < batch * program.Program.SequenceLength; i++) program.Tokens[i] = rng.NextInt(Vocabulary);
        for (int i = 0; i < batch; i++) program.Targets[i] = rng.NextInt(Vocabulary);
    }

    private static bool Agreement(int batch, Backend backend)
    {
        using var cpu = new SeedCharLstm(Vocabulary, new ModelOptions { Seed = 3, Backend = Backend.Cpu });
        using var gpu = new SeedCharLstm(Vocabulary, new ModelOptions { Seed = 3, Backend = backend });
        var pc = cpu.GetProgram(ProgramKind.Train, batch);
        var pg = gpu.GetProgram(ProgramKind.Train, batch);
        Fill(pc, batch, 9);
        Fill(pg, batch, 9);
        cpu.Gradients.Clear();
        gpu.Gradients.Clear();
        double lc = pc.Forward(batch), lg = pg.Forward(batch);
        pc.Backward(batch);
        pg.Backward(batch);
        double worst = 0;
        var gc = cpu.Gradients;
        var gg = gpu.Gradients;
        double scale = 0;
        for (int i = 0; i < gc.Length; i++) scale = Math.Max(scale, Math.Abs(gc[i]));
        for (int i = 0; i < gc.Length; i++) worst = Math.Max(worst, Math.Abs(gc[i] - gg[i]) / scale);
        Console.WriteLine($"agreement at batch {batch}: loss cpu {lc:F6} gpu {lg:F6}; worst gradient difference {worst:E2} of the largest gradient");
        return Math.Abs(lc - lg) <= 1e-4 * Math.Abs(lc) && worst <= 1e-3;
    }
}
