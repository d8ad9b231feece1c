using System.Diagnostics;
using System.Runtime.InteropServices;
using ModelDsl.Tests.Generator;

namespace ModelDsl.Tests.Distributed;

/// <summary>Runs tests/ModelDsl.MpiRanks: under <c>mpiexec.mpich -n N</c>, or as one plain process, one thread per rank.</summary>
internal static class RankJob
{
    /// <summary>MPICH's launcher on PATH (Debian's name first), or null.</summary>
    public static string? Launcher { get; } = FindLauncher();

    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    /// <summary>Starts the job and waits at most <paramref name="timeout"/>; a job still running then is killed and fails the test.</summary>
    public static Result Run(int ranks, IEnumerable<string> arguments, TimeSpan? timeout = null, Action<Process>? whileRunning = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(ranks > 0 ? Launcher ?? throw new InvalidOperationException("mpiexec.mpich is not installed (apt-get install mpich).") : DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (ranks > 0)
        {
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(ranks.ToString(System.Globalization.CultureInfo.InvariantCulture));
            start.ArgumentList.Add(DotnetHost());
        }
        start.ArgumentList.Add(RanksPath());
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["MODELDSL_THREADS"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the rank program.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        whileRunning?.Invoke(process);
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The {ranks}-rank job did not end within {timeout ?? TimeSpan.FromMinutes(2)}: {error.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result + error.Result, clock.Elapsed);
    }

    /// <summary>Runs a job that must succeed.</summary>
    public static void Succeed(int ranks, params string[] arguments)
    {
        var result = Run(ranks, arguments);
        Assert.True(result.ExitCode == 0, $"The {ranks}-rank job failed ({result.ExitCode}): {result.Output}");
    }

    public static float[] Weights(string folder, int rank = 0) =>
        MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(folder, $"weights.rank{rank}.bin"))).ToArray();

    /// <summary>The rank program built beside the tests: tests/ModelDsl.MpiRanks/bin/&lt;configuration&gt;/&lt;tfm&gt;/.</summary>
    private static string RanksPath()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        string dll = Path.Combine(GeneratorHarness.RepositoryRoot, "tests", "ModelDsl.MpiRanks", "bin", output.Parent!.Name, output.Name, "ModelDsl.MpiRanks.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the tests project, which builds the rank program first.");
        return dll;
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }

    private static string? FindLauncher()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, "mpiexec.mpich");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
