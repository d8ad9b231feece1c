using System.Diagnostics;
using System.Runtime.Intrinsics;
using ModelDsl.Cpu;

namespace ModelDsl.Benchmarks;

/// <summary>GFLOP/s of the matrix products at the shapes the seed models use, with every transpose the backward needs.</summary>
internal static unsafe class GemmBenchmark
{
    public static readonly (string Name, bool TransA, bool TransB, int M, int N, int K)[] Shapes =
    {
        ("h·U (forward step)", false, false, 128, 512, 128),
        ("dz·Uᵀ (backward step)", false, true, 128, 128, 512),
        ("hᵀ·dz (dU, all steps)", true, false, 128, 512, 7680),
        ("x·W dense", false, false, 128, 57, 128),
        ("xᵀ·dLogits", true, false, 128, 57, 128),
        ("batch-1 step", false, false, 1, 512, 128),
    };

    public static List<(string Name, double Gflops, double Microseconds)> Run()
    {
        var results = new List<(string, double, double)>();
        foreach (var s in Shapes)
        {
            double seconds = MeasureSeconds(s.TransA, s.TransB, s.M, s.N, s.K);
            results.Add((s.Name, 2.0 * s.M * s.N * s.K / seconds / 1e9, seconds * 1e6));
        }
        return results;
    }

    /// <summary>
    /// Seconds per product, the best of 7 timed batches of ~20 ms after ~0.3 s of warm-up (every method at its final JIT
    /// tier): on a shared, noisy host the best batch is the one least disturbed, as for the peak.
    /// </summary>
    public static double MeasureSeconds(bool transA, bool transB, int m, int n, int k)
    {
        int aLen = m * k, bLen = k * n, cLen = m * n;
        var a = GC.AllocateArray<float>(aLen, pinned: true);
        var b = GC.AllocateArray<float>(bLen, pinned: true);
        var c = GC.AllocateArray<float>(cLen, pinned: true);
        for (int i = 0; i < aLen; i++) a[i] = (i % 7) * 0.1f;
        for (int i = 0; i < bLen; i++) b[i] = (i % 5) * 0.1f;
        fixed (float* pa = a, pb = b, pc = c)
        {
            int lda = transA ? m : k, ldb = transB ? k : n;
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed.TotalSeconds < 0.3) Gemm.Multiply(transA, transB, m, n, k, pa, lda, pb, ldb, pc, n, false);
            int reps = Math.Max(5, (int)(2e6 / (2.0 * m * n * k) * 1000)); // ~20 ms at ~100 GFLOP/s
            double best = double.MaxValue;
            for (int r = 0; r < 7; r++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < reps; i++) Gemm.Multiply(transA, transB, m, n, k, pa, lda, pb, ldb, pc, n, false);
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds / reps);
            }
            return best;
        }
    }

    /// <summary>FMA peak of this machine: independent Vector512 FMA chains on every worker thread.</summary>
    public static double MeasurePeakGflops(int threads)
    {
        double total = 0;
        var tasks = new Thread[threads];
        var results = new double[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            tasks[t] = new Thread(() => results[id] = PeakOneThread());
            tasks[t].Start();
        }
        foreach (var t in tasks) t.Join();
        foreach (var r in results) total += r;
        return total;
    }

    private static double PeakOneThread()
    {
        const int Iterations = 20_000_000;
        bool wide = Vector512.IsHardwareAccelerated;
        if (wide) FmaChains512(1000); else FmaChains256(1000);
        var clock = Stopwatch.StartNew();
        float sink = wide ? FmaChains512(Iterations) : FmaChains256(Iterations);
        clock.Stop();
        if (sink == 12345f) Console.Write(""); // keep the chains alive
        return Iterations * 12.0 * (wide ? 16 : 8) * 2 / clock.Elapsed.TotalSeconds / 1e9;
    }

    // No calls inside: on x64 SysV every vector register is caller-saved, so a call in the timed method would spill the chains.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float FmaChains256(int iterations)
    {
        var a0 = Vector256.Create(1f); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
        var a8 = a0; var a9 = a0; var a10 = a0; var a11 = a0;
        var m = Vector256.Create(0.999999f); var add = Vector256.Create(1e-7f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, add); a1 = Vector256.FusedMultiplyAdd(a1, m, add);
            a2 = Vector256.FusedMultiplyAdd(a2, m, add); a3 = Vector256.FusedMultiplyAdd(a3, m, add);
            a4 = Vector256.FusedMultiplyAdd(a4, m, add); a5 = Vector256.FusedMultiplyAdd(a5, m, add);
            a6 = Vector256.FusedMultiplyAdd(a6, m, add); a7 = Vector256.FusedMultiplyAdd(a7, m, add);
            a8 = Vector256.FusedMultiplyAdd(a8, m, add); a9 = Vector256.FusedMultiplyAdd(a9, m, add);
            a10 = Vector256.FusedMultiplyAdd(a10, m, add); a11 = Vector256.FusedMultiplyAdd(a11, m, add);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).GetElement(0);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining | System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float FmaChains512(int iterations)
    {
        var a0 = Vector512.Create(1f); var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
        var a8 = a0; var a9 = a0; var a10 = a0; var a11 = a0;
        var m = Vector512.Create(0.999999f); var add = Vector512.Create(1e-7f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, add); a1 = Vector512.FusedMultiplyAdd(a1, m, add);
            a2 = Vector512.FusedMultiplyAdd(a2, m, add); a3 = Vector512.FusedMultiplyAdd(a3, m, add);
            a4 = Vector512.FusedMultiplyAdd(a4, m, add); a5 = Vector512.FusedMultiplyAdd(a5, m, add);
            a6 = Vector512.FusedMultiplyAdd(a6, m, add); a7 = Vector512.FusedMultiplyAdd(a7, m, add);
            a8 = Vector512.FusedMultiplyAdd(a8, m, add); a9 = Vector512.FusedMultiplyAdd(a9, m, add);
            a10 = Vector512.FusedMultiplyAdd(a10, m, add); a11 = Vector512.FusedMultiplyAdd(a11, m, add);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).GetElement(0);
    }
}
