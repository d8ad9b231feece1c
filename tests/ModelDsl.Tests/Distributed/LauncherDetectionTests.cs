namespace ModelDsl.Tests.Distributed;

/// <summary>How a process learns it is a rank, and the errors when it cannot be one (no MPI needed: the rank program alone).</summary>
[Collection(nameof(DataParallelTests))]
public sealed class LauncherDetectionTests
{
    [Fact]
    public void A_process_started_by_open_mpi_is_refused_with_what_to_use_instead()
    {
        var result = RankJob.Run(0, ["train", Path.Combine(Path.GetTempPath(), "modeldsl-ompi-refused")],
            environment: new Dictionary<string, string> { ["OMPI_COMM_WORLD_SIZE"] = "2" });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("MpiUnavailableException", result.Output);
        Assert.Contains("Open MPI's mpirun", result.Output);
        Assert.Contains("mpiexec.mpich", result.Output);
    }

    [Fact]
    public void A_launcher_without_a_loadable_mpi_library_is_a_named_error()
    {
        var result = RankJob.Run(0, ["train", Path.Combine(Path.GetTempPath(), "modeldsl-no-mpi")],
            environment: new Dictionary<string, string> { ["PMI_SIZE"] = "2", ["PMI_RANK"] = "0", ["MODELDSL_MPI_LIBRARY"] = "/nonexistent/libmpich.so.12" });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("MpiUnavailableException", result.Output);
        Assert.Contains("MODELDSL_MPI_LIBRARY names '/nonexistent/libmpich.so.12'", result.Output);
    }
}
