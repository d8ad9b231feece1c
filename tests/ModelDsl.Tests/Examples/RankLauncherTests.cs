using ModelDsl.Distributed;
using ModelDsl.Examples;
using ModelDsl.Tests.Runtime;

namespace ModelDsl.Tests.Examples;

/// <summary>The examples' <c>--ranks N</c>: the mpiexec command line they start themselves with, and its refusals (exit 2).</summary>
public sealed class RankLauncherTests
{
    private static readonly string[] Program = ["/usr/bin/dotnet", "/app/CharLstm.dll"];

    [Fact]
    public void The_job_is_the_built_program_under_mpiexec_with_the_cores_shared_out_and_the_other_arguments()
    {
        var start = RankLauncher.Command(2, ["--epochs", "1", "--corpus", "my text.txt"], "/usr/bin/mpiexec.mpich", insideJob: false,
            cores: 16, threadsSetting: null, Program);
        Assert.Equal("/usr/bin/mpiexec.mpich", start.FileName);
        Assert.Equal(["-n", "2", "-env", "MODELDSL_THREADS", "8", "/usr/bin/dotnet", "/app/CharLstm.dll", "--epochs", "1", "--corpus", "my text.txt"],
            start.ArgumentList);
        Assert.Equal("/usr/bin/mpiexec.mpich -n 2 -env MODELDSL_THREADS 8 /usr/bin/dotnet /app/CharLstm.dll --epochs 1 --corpus 'my text.txt'",
            RankLauncher.Describe(start));
    }

    [Theory]
    [InlineData(2, 2, "1")]
    [InlineData(3, 2, "1")] // more ranks than cores: still one thread each
    [InlineData(3, 16, "5")]
    [InlineData(1, 4, "4")]
    public void Each_rank_gets_its_share_of_the_cores(int ranks, int cores, string threads)
    {
        var start = RankLauncher.Command(ranks, [], "mpiexec.mpich", insideJob: false, cores, threadsSetting: "", Program);
        Assert.Equal(threads, start.ArgumentList[start.ArgumentList.IndexOf("MODELDSL_THREADS") + 1]);
    }

    [Fact]
    public void A_thread_count_the_user_set_is_left_to_reach_the_ranks()
    {
        var start = RankLauncher.Command(2, [], "mpiexec.mpich", insideJob: false, cores: 16, threadsSetting: "3", Program);
        Assert.Equal(["-n", "2", "/usr/bin/dotnet", "/app/CharLstm.dll"], start.ArgumentList);
    }

    [Theory]
    [InlineData(2, null, false, "--ranks needs MPICH's launcher mpiexec.mpich, which is not on PATH: install MPICH (Debian/Ubuntu: apt-get install mpich), or leave --ranks out.")]
    [InlineData(2, "mpiexec.mpich", true, "--ranks starts the MPI job itself; leave it out when the example is started by mpiexec.")]
    [InlineData(0, "mpiexec.mpich", false, "--ranks needs a positive whole number, not '0'.")]
    public void A_job_that_cannot_start_is_an_option_error(int ranks, string? launcher, bool insideJob, string message)
    {
        var error = Assert.Throws<OptionException>(() => RankLauncher.Command(ranks, [], launcher, insideJob, 2, null, Program));
        Assert.Equal(message, error.Message);
        // Through the examples' entry: one line, exit 2, before anything runs.
        var errors = new StringWriter();
        int exit = ExampleMain.Run([], _ => 0, _ => false, "", _ => throw error, TextWriter.Null, errors);
        Assert.Equal(ExampleMain.OptionError, exit);
        Assert.Equal("error: " + message + Environment.NewLine, errors.ToString());
    }

    [Fact]
    public void The_launcher_is_found_on_the_path_or_not_at_all()
    {
        using var dir = new TemporaryDirectory();
        string empty = dir.File("empty"), bin = dir.File("bin");
        Directory.CreateDirectory(empty);
        Directory.CreateDirectory(bin);
        File.WriteAllText(Path.Combine(bin, "mpiexec.mpich"), "");
        Assert.Null(RankLauncher.FindLauncher(empty));
        Assert.Null(RankLauncher.FindLauncher(null));
        Assert.Equal(Path.Combine(bin, "mpiexec.mpich"), RankLauncher.FindLauncher(empty + Path.PathSeparator + bin));
    }

    [Fact]
    public void Another_ranks_failure_is_one_line_but_a_bug_on_the_failing_rank_keeps_its_stack_trace()
    {
        // Rank 0 of a job whose rank 1 threw: the one line says which rank and what.
        var reported = new DataParallelException(1, 2, 5, "System.InvalidOperationException: a bug");
        Assert.True(ExampleMain.IsDataError(reported));
        // The failing rank, when its error is a data error: one line too.
        Assert.True(ExampleMain.IsDataError(new DataParallelException(1, 2, 5, "System.IO.IOException: disk full", new IOException("disk full"))));
        // The failing rank, when its error is a bug: not hidden.
        Assert.False(ExampleMain.IsDataError(new DataParallelException(1, 2, 5, "System.InvalidOperationException: a bug", new InvalidOperationException("a bug"))));
        Assert.Equal("rank 1 of 2 failed after 5 training steps: System.InvalidOperationException: a bug", reported.Message);
        Assert.Equal("rank 0 of 3 failed after 1 training step: System.IO.IOException: x", new DataParallelException(0, 3, 1, "System.IO.IOException: x").Message);
    }
}
