using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace ModelDsl.Examples;

/// <summary>
/// <c>--ranks N</c>: an example starts itself again as N data-parallel ranks under MPICH's launcher (docs/distributed.md):
/// the built program, never <c>dotnet run</c> (each rank would build the project at once), with its other arguments and
/// the cores shared out between the ranks through <c>MODELDSL_THREADS</c>.
/// </summary>
internal static class RankLauncher
{
    public const string Option = "--ranks", Launcher = "mpiexec.mpich";

    /// <summary>Prints the command line, starts the job on this console, waits, and returns its exit code.</summary>
    /// <exception cref="OptionException">Inside an MPI job already, or MPICH's launcher is not on PATH.</exception>
    public static int Run(int ranks, IReadOnlyList<string> forwarded, TextWriter output)
    {
        var start = Command(ranks, forwarded, FindLauncher(Environment.GetEnvironmentVariable("PATH")),
            insideJob: Environment.GetEnvironmentVariable("PMI_SIZE") is not null, Environment.ProcessorCount,
            Environment.GetEnvironmentVariable("MODELDSL_THREADS"), ThisProgram());
        output.WriteLine($"{Option} {ranks.ToString(CultureInfo.InvariantCulture)}: {Describe(start)}");
        output.Flush();
        using var job = Process.Start(start) ?? throw new IOException($"{Launcher} could not be started.");
        job.WaitForExit();
        return job.ExitCode;
    }

    /// <summary>
    /// <c>mpiexec.mpich -n N [-env MODELDSL_THREADS cores/N] program… arguments…</c>; a <c>MODELDSL_THREADS</c> the user set
    /// is left to reach the ranks (the launcher passes the environment on).
    /// </summary>
    public static ProcessStartInfo Command(int ranks, IReadOnlyList<string> forwarded, string? launcher, bool insideJob, int cores,
        string? threadsSetting, IReadOnlyList<string> program)
    {
        if (ranks < 1) throw new OptionException($"{Option} needs a positive whole number, not '{ranks.ToString(CultureInfo.InvariantCulture)}'.");
        // The ranks do not get --ranks again; refusing it inside a job also rules out a job that starts jobs.
        if (insideJob) throw new OptionException($"{Option} starts the MPI job itself; leave it out when the example is started by mpiexec.");
        if (launcher is null)
            throw new OptionException($"{Option} needs MPICH's launcher {Launcher}, which is not on PATH: install MPICH (Debian/Ubuntu: apt-get install mpich), or leave {Option} out.");
        var start = new ProcessStartInfo(launcher) { UseShellExecute = false };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(ranks.ToString(CultureInfo.InvariantCulture));
        if (string.IsNullOrEmpty(threadsSetting))
        {
            // ranks × threads within the cores: more would make the ranks' threads take turns on them.
            start.ArgumentList.Add("-env");
            start.ArgumentList.Add("MODELDSL_THREADS");
            start.ArgumentList.Add(Math.Max(1, cores / ranks).ToString(CultureInfo.InvariantCulture));
        }
        foreach (var part in program) start.ArgumentList.Add(part);
        foreach (var argument in forwarded) start.ArgumentList.Add(argument);
        return start;
    }

    /// <summary>This program as a command: the app host alone, or <c>dotnet</c> and the dll when started as <c>dotnet X.dll</c>.</summary>
    public static IReadOnlyList<string> ThisProgram()
    {
        string process = Environment.ProcessPath ?? throw new IOException("The path of this program is unknown; start the ranks with mpiexec.mpich by hand (docs/distributed.md).");
        if (!Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return [process];
        string dll = Assembly.GetEntryAssembly()?.Location is { Length: > 0 } location
            ? location
            : throw new IOException("The example's dll is unknown; start the ranks with mpiexec.mpich by hand (docs/distributed.md).");
        return [process, dll];
    }

    /// <summary>MPICH's launcher in one of the <paramref name="path"/> folders (Debian's name), or null.</summary>
    public static string? FindLauncher(string? path)
    {
        foreach (var folder in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, Launcher);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The command as one line a user can copy (arguments with spaces or quotes quoted for a POSIX shell).</summary>
    public static string Describe(ProcessStartInfo start) =>
        string.Join(' ', new[] { start.FileName }.Concat(start.ArgumentList).Select(Quote));

    private static string Quote(string part) =>
        part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? part : "'" + part.Replace("'", "'\\''") + "'";
}
