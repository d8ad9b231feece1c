using ModelDsl.Data;
using ModelDsl.Distributed;
using ModelDsl.Numerics;
using ModelDsl.Tests.Models;
using ModelDsl.Training;

namespace ModelDsl.Tests.Distributed;

/// <summary>The data-parallel step without MPI: shards computed in sequence in one process (runs everywhere).</summary>
public sealed class SequentialShardTests
{
    [Fact]
    public void Shards_cover_every_row_of_a_batch_once_in_order_even_when_ranks_outnumber_rows()
    {
        foreach (int shards in new[] { 2, 3, 5 })
            foreach (int rows in new[] { 1, 2, 7, 32 })
            {
                var parallel = DataParallel.Sequential(shards);
                int next = 0;
                for (int s = 0; s < shards; s++)
                {
                    var (start, length) = parallel.ShardRange(s, rows);
                    Assert.Equal(next, start);
                    Assert.True(length >= rows / shards && length <= rows / shards + 1);
                    next = start + length;
                }
                Assert.Equal(rows, next);
            }
    }

    [Fact]
    public void Sharded_steps_train_like_whole_batches_within_float_rounding_and_deterministically()
    {
        var tokens = new int[600];
        var rng = new Rng(5);
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(7);
        var data = new WindowDataset(tokens, 5, 1);
        float[] Train(DataParallel parallel, int batch)
        {
            using var model = new TinyCharLstm(vocabulary: 7, new ModelOptions { Seed = 3, Backend = Backend.Cpu });
            model.Fit(data, new FitOptions { Epochs = 2, BatchSize = batch, StepsPerEpoch = 6, Optimizer = new Adam(0.01f), DataParallel = parallel });
            return model.Parameters.ToArray();
        }

        var whole = Train(DataParallel.None, 30);
        var three = Train(DataParallel.Sequential(3), 30);
        Assert.Equal(three, Train(DataParallel.Sequential(3), 30));
        Assert.True(DataParallelTests.MaxRelativeDifference(three, whole) < 1e-4);
        // A last batch smaller than the shard count leaves some shards empty; they add nothing.
        Assert.True(DataParallelTests.MaxRelativeDifference(Train(DataParallel.Sequential(4), 3), Train(DataParallel.None, 3)) < 1e-4);
    }
}
