namespace ModelDsl.Tests.Distributed;

/// <summary>
/// A test that starts ranks with MPICH's <c>mpiexec</c>: skipped, with the reason, where MPICH is not installed, so the
/// README's test command passes on a fresh machine; <c>MODELDSL_REQUIRE_MPI=1</c> (CI's .ci/mpi-leg) runs it regardless,
/// so a missing MPICH fails there instead of skipping.
/// </summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (RankJob.Launcher is null && Environment.GetEnvironmentVariable("MODELDSL_REQUIRE_MPI") != "1")
            Skip = "MPICH's mpiexec (mpiexec.mpich) is not installed: apt-get install mpich libmpich-dev, or run .ci/mpi-leg.";
    }
}
