using ModelDsl.Checkpoints;
using ModelDsl.Runtime;
using ModelDsl.Tests.Runtime;

namespace ModelDsl.Tests.Distributed;

/// <summary>
/// Real MPI jobs on localhost (tests/ModelDsl.MpiRanks under <c>mpiexec.mpich -n 2</c>, CPU backend, one thread per rank):
/// docs/distributed.md, "What is promised".
/// </summary>
[Collection(nameof(DataParallelTests))] // the jobs are timed (fault tests) and compete for two cores: one at a time
public sealed class DataParallelTests
{
    private static readonly string[] EightSteps = ["--steps", "8", "--batch", "32"];

    [MpiFact]
    public void Two_ranks_end_with_identical_replicas_equal_to_one_process_computing_both_shards()
    {
        using var dir = new TemporaryDirectory();
        RankJob.Succeed(2, ["train", dir.File("two"), .. EightSteps]);
        RankJob.Succeed(0, ["train", dir.File("sequential"), "--shards", "2", .. EightSteps]);
        RankJob.Succeed(0, ["train", dir.File("plain"), .. EightSteps]);

        var two = RankJob.Weights(dir.File("two"));
        Assert.Equal(two, RankJob.Weights(dir.File("two"), rank: 1));
        // Exact: each rank's half-batch gradient is scaled by 1/2 (exact), and a + b = b + a whichever order MPICH adds in.
        Assert.Equal(two, RankJob.Weights(dir.File("sequential")));
        Assert.Equal(File.ReadAllText(dir.File("two/history.rank0.txt")), File.ReadAllText(dir.File("sequential/history.rank0.txt")));
        // A plain one-process step sums the weight gradients over all 32 rows inside each product, in another order: not
        // bit-identical, within float rounding (measured 1.1e-7 of the largest weight after 8 RMSprop steps).
        var plain = RankJob.Weights(dir.File("plain"));
        Assert.True(MaxRelativeDifference(two, plain) < 1e-4, $"2 ranks vs 1 process: {MaxRelativeDifference(two, plain):E2}");
        Assert.NotEqual(two, plain);
    }

    [MpiFact]
    public void Ranks_that_sum_in_rank_order_equal_as_many_sequential_shards_bit_for_bit()
    {
        using var dir = new TemporaryDirectory();
        // 3: MPICH 4.0's own all-reduce happened to add in this order too; 4: it did not (recursive doubling adds
        // (g0 + g1) + (g2 + g3), measured different from Sequential(4) after 8 steps), while the rank order still equals it.
        foreach (int ranks in new[] { 3, 4 })
        {
            string n = ranks.ToString(System.Globalization.CultureInfo.InvariantCulture);
            RankJob.Succeed(ranks, ["train", dir.File("ranks" + n), "--deterministic", .. EightSteps]);
            RankJob.Succeed(0, ["train", dir.File("sequential" + n), "--shards", n, .. EightSteps]);
            var sequential = RankJob.Weights(dir.File("sequential" + n));
            for (int rank = 0; rank < ranks; rank++)
                Assert.Equal(sequential, RankJob.Weights(dir.File("ranks" + n), rank));
            Assert.Equal(File.ReadAllText(dir.File($"sequential{n}/history.rank0.txt")), File.ReadAllText(dir.File($"ranks{n}/history.rank0.txt")));
        }
    }

    [MpiFact]
    public void Two_ranks_train_the_gpu_backend_through_host_memory_like_the_cpu_backend()
    {
        using var dir = new TemporaryDirectory();
        string[] run = ["--steps", "3", "--batch", "16"];
        RankJob.Succeed(2, ["train", dir.File("gpu"), "--backend", "gpu-emulator", .. run]);
        RankJob.Succeed(2, ["train", dir.File("cpu"), .. run]);
        Assert.Equal(RankJob.Weights(dir.File("gpu")), RankJob.Weights(dir.File("gpu"), rank: 1));
        // ILGPU's kernels sum in other orders than the CPU code: the GPU backend's usual tolerance (docs/performance.md).
        double difference = MaxRelativeDifference(RankJob.Weights(dir.File("gpu")), RankJob.Weights(dir.File("cpu")));
        Assert.True(difference < 2e-4, $"GPU emulator vs CPU on 2 ranks: {difference:E2}");
    }

    [MpiFact]
    public void A_two_rank_checkpoint_resumes_on_one_process_or_two_ranks_and_continues_identically()
    {
        using var dir = new TemporaryDirectory();
        string[] run = ["--steps", "4", "--batch", "32"];
        RankJob.Succeed(2, ["train", dir.File("whole"), "--epochs", "2", .. run]);
        RankJob.Succeed(2, ["train", dir.File("first"), "--epochs", "1", "--checkpoint", dir.File("run.safetensors"), .. run]);
        Assert.False(File.Exists(dir.File("first/run.safetensors.rank1")));
        RankJob.Succeed(0, ["train", dir.File("resumed"), "--epochs", "2", "--shards", "2", "--resume", dir.File("run.safetensors"), .. run]);
        Assert.Equal(RankJob.Weights(dir.File("whole")), RankJob.Weights(dir.File("resumed")));
        Assert.Equal(File.ReadAllText(dir.File("whole/history.rank0.txt")), File.ReadAllText(dir.File("resumed/history.rank0.txt")));

        // Two ranks resume it identically too (each reads the file, then rank 0's state is broadcast).
        RankJob.Succeed(2, ["train", dir.File("resumed-on-two"), "--epochs", "2", "--resume", dir.File("run.safetensors"), .. run]);
        Assert.Equal(RankJob.Weights(dir.File("whole")), RankJob.Weights(dir.File("resumed-on-two")));
        Assert.Equal(RankJob.Weights(dir.File("whole")), RankJob.Weights(dir.File("resumed-on-two"), rank: 1));

        // A plain process resumes it too, within the rounding of the test above.
        RankJob.Succeed(0, ["train", dir.File("plain"), "--epochs", "2", "--resume", dir.File("run.safetensors"), .. run]);
        Assert.True(MaxRelativeDifference(RankJob.Weights(dir.File("whole")), RankJob.Weights(dir.File("plain"))) < 1e-4);
    }

    [MpiFact]
    public void A_killed_rank_ends_the_job_with_an_error_and_leaves_the_checkpoint_whole()
    {
        using var dir = new TemporaryDirectory();
        string checkpoint = dir.File("run.safetensors"), output = dir.File("job");
        var result = RankJob.Run(2, ["train", output, "--epochs", "100000", "--batch", "32", "--checkpoint", checkpoint, "--checkpoint-every", "3"],
            TimeSpan.FromSeconds(90), job =>
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!(File.Exists(checkpoint) && File.Exists(Path.Combine(output, "pid.rank1"))) && DateTime.UtcNow < deadline) Thread.Sleep(50);
                Assert.True(File.Exists(checkpoint), "rank 0 wrote no checkpoint within 60 s");
                Thread.Sleep(300); // mid-run, maybe mid-save
                using var rank1 = System.Diagnostics.Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(output, "pid.rank1"))));
                rank1.Kill(); // SIGKILL
            });
        Assert.NotEqual(0, result.ExitCode);
        // MPICH names the failure (a process that was killed, or the peer that then lost it) and ends the rest.
        Assert.True(result.Output.Contains("BAD TERMINATION", StringComparison.Ordinal), result.Output);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(80), $"the job took {result.Elapsed} to end");
        // The checkpoint rank 0 last wrote is whole, and a one-process run resumes from it.
        var saved = TrainingCheckpoint.FromJson(SafeTensors.Read(checkpoint).Metadata[TrainingCheckpoint.MetadataKey]);
        string epochs = saved.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        RankJob.Succeed(0, ["train", dir.File("resumed"), "--epochs", epochs, "--batch", "32", "--resume", checkpoint]);
    }

    [MpiFact]
    public void A_rank_that_throws_in_the_step_stops_every_rank_with_its_error_and_leaves_the_checkpoint_whole()
    {
        using var dir = new TemporaryDirectory();
        string checkpoint = dir.File("run.safetensors"), output = dir.File("job");
        // Rank 1's data throws on its 6th read (mid-step 6); rank 0 checkpoints every 2 steps.
        var result = RankJob.Run(2, ["train", output, "--epochs", "100000", "--batch", "32", "--fail-rank", "1", "--fail-after-fills", "5",
            "--checkpoint", checkpoint, "--checkpoint-every", "2"], TimeSpan.FromSeconds(90));
        // Every rank returned from Fit with the same error (the program's exit code 4), none was ended by MPI_Abort or the launcher.
        Assert.True(result.ExitCode == 4, $"exit code {result.ExitCode}: {result.Output}");
        Assert.DoesNotContain("MPI_Abort", result.Output);
        Assert.DoesNotContain("BAD TERMINATION", result.Output);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(80), $"the job took {result.Elapsed} to end");
        string expected = "DataParallelException: rank 1 of 2 failed after 5 training steps: System.IO.IOException: Simulated read failure after 5 batches.\n"
            + "rank 1 of 2, 5 steps, 'System.IO.IOException: Simulated read failure after 5 batches.', inner ";
        Assert.Equal(expected + "none", File.ReadAllText(Path.Combine(output, "error.rank0")));
        Assert.Equal(expected + "IOException", File.ReadAllText(Path.Combine(output, "error.rank1")));
        // Rank 0's last checkpoint (after step 4) is whole and resumes.
        var saved = TrainingCheckpoint.FromJson(SafeTensors.Read(checkpoint).Metadata[TrainingCheckpoint.MetadataKey]);
        Assert.Equal(4, saved.OptimizerStep);
        RankJob.Succeed(0, ["train", dir.File("resumed"), "--epochs", "1", "--batch", "32", "--resume", checkpoint]);
    }

    [MpiFact]
    public void An_error_on_rank_0_between_steps_reaches_every_rank_without_an_abort()
    {
        using var dir = new TemporaryDirectory();
        string output = dir.File("job");
        // Rank 0's epoch callback throws after epoch 2 (3 steps each); rank 1 is then waiting in step 7.
        var result = RankJob.Run(2, ["train", output, "--epochs", "5", "--steps", "3", "--batch", "32", "--fail-rank", "0", "--fail-at-epoch-end", "2"],
            TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 4, $"exit code {result.ExitCode}: {result.Output}");
        Assert.DoesNotContain("MPI_Abort", result.Output);
        Assert.DoesNotContain("BAD TERMINATION", result.Output);
        string expected = "DataParallelException: rank 0 of 2 failed after 6 training steps: System.InvalidOperationException: Simulated callback failure after epoch 2.\n"
            + "rank 0 of 2, 6 steps, 'System.InvalidOperationException: Simulated callback failure after epoch 2.', inner ";
        Assert.Equal(expected + "InvalidOperationException", File.ReadAllText(Path.Combine(output, "error.rank0")));
        Assert.Equal(expected + "none", File.ReadAllText(Path.Combine(output, "error.rank1")));
    }

    [MpiFact]
    public void A_non_finite_step_stops_every_rank_at_the_same_step_without_an_abort()
    {
        using var dir = new TemporaryDirectory();
        // RMSprop moves each weight by about the learning rate: 3e38 overflows the LSTM at the second step.
        var result = RankJob.Run(2, ["train", dir.File("job"), "--steps", "8", "--batch", "32", "--learning-rate", "3e38"], TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 3, result.Output);
        Assert.Equal("2", File.ReadAllText(dir.File("job/fault.rank0")));
        Assert.Equal("2", File.ReadAllText(dir.File("job/fault.rank1")));
        Assert.DoesNotContain("MPI_Abort", result.Output);
    }

    internal static double MaxRelativeDifference(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs((double)v)), worst = 0;
        for (int i = 0; i < actual.Length; i++) worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]) / scale);
        return worst;
    }
}
