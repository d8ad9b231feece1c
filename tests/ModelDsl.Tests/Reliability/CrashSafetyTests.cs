using System.Diagnostics;
using System.Globalization;
using ModelDsl.Checkpoints;
using ModelDsl.Tests.Generator;
using ModelDsl.Tests.Runtime;

namespace ModelDsl.Tests.Reliability;

/// <summary>
/// Checkpoints are crash-safe: a child process (tests/ModelDsl.CrashSaver) saves 16 MB checkpoints to one path in a loop
/// and is killed mid-save, again and again. The file under the real name is always absent or one whole checkpoint, and
/// temporary files never pile up: only the one being written when the process died is left, until the next save.
/// </summary>
public sealed class CrashSafetyTests
{
    private const int Megabytes = 16;

    [Fact]
    public void A_process_killed_mid_save_never_leaves_a_torn_checkpoint_under_the_real_name()
    {
        using var dir = new TemporaryDirectory();
        string path = dir.File("run.safetensors");
        var random = new Random(41);
        int killedMidSave = 0;
        int lastIteration = -1;
        for (int round = 0; round < 6; round++)
        {
            using (var child = StartSaver(path))
            {
                // Round 0 may die before its first save completes; later rounds wait for one, then die at a random moment.
                if (round > 0) WaitForLine(child, "saved ", TimeSpan.FromSeconds(60));
                Thread.Sleep(random.Next(0, 120));
                child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }

            var temporaries = Directory.GetFiles(dir.Path, "run.safetensors" + SafeTensors.TemporaryInfix + "*");
            Assert.True(temporaries.Length <= 1, $"round {round}: {temporaries.Length} temporary files: {string.Join(", ", temporaries)}");
            if (temporaries.Length == 1) killedMidSave++;
            if (!File.Exists(path))
            {
                Assert.True(round == 0, $"round {round}: the checkpoint disappeared");
                continue;
            }
            var file = SafeTensors.Read(path);
            int iteration = int.Parse(file.Metadata["iteration"], CultureInfo.InvariantCulture);
            Assert.Equal(Megabytes * (1 << 20) / sizeof(float), file["weights"].Data.Length);
            Assert.All(file["weights"].Data, v => Assert.Equal(iteration, v));
            Assert.Equal(iteration, file["iteration"].Data[0]);
            lastIteration = iteration;
        }
        Assert.True(lastIteration >= 0, "no save ever completed");
        // Most of the child's time is spent inside a save, so some kills must have landed mid-write.
        Assert.True(killedMidSave > 0, "no kill landed during a save: the test did not test anything");

        // The next save cleans up the dead writers' leftovers.
        SafeTensors.Write(path, [new TensorData("x", [1], [1f])]);
        Assert.Empty(Directory.GetFiles(dir.Path, "run.safetensors" + SafeTensors.TemporaryInfix + "*"));
    }

    private static Process StartSaver(string path)
    {
        string dll = SaverPath();
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(Megabytes.ToString(CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start " + dll);
    }

    private static void WaitForLine(Process child, string prefix, TimeSpan timeout)
    {
        var read = Task.Run(() =>
        {
            while (child.StandardOutput.ReadLine() is { } line)
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return true;
            return false;
        });
        if (!read.Wait(timeout) || !read.Result)
            Assert.Fail($"The crash saver printed no '{prefix}' line: {child.StandardError.ReadToEnd()}");
    }

    /// <summary>The saver built beside the tests: tests/ModelDsl.CrashSaver/bin/&lt;configuration&gt;/&lt;tfm&gt;/.</summary>
    private static string SaverPath()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        string framework = output.Name, configuration = output.Parent!.Name;
        string dll = Path.Combine(GeneratorHarness.RepositoryRoot, "tests", "ModelDsl.CrashSaver", "bin", configuration, framework, "ModelDsl.CrashSaver.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the tests project, which builds the crash saver first.");
        return dll;
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}
