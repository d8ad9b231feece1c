using System.Globalization;
using ModelDsl.Benchmarks;

// Benchmarks are run by hand (`dotnet run -c Release --project tests/ModelDsl.Benchmarks -- charlstm`), never by dotnet test.
string which = args.Length > 0 ? args[0] : "charlstm";
int steps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
switch (which)
{
    case "charlstm":
    {
        Console.WriteLine($"ModelDsl charlstm benchmark — {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, threads {ModelDsl.Cpu.WorkerPool.Shared.ThreadCount}, .NET {Environment.Version}");
        var rows = CharLstmBenchmark.Run(steps, 2000);
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
    case "gpu":
        return GpuBenchmark.Run(steps);
    default:
        Console.Error.WriteLine($"Unknown benchmark '{which}'. Available: charlstm, gemm, gpu");
        return 2;
}
