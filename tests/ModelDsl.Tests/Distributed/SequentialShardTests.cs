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

    [Fact]
    public void Shards_of_a_loss_that_ignores_padding_weigh_by_their_scored_positions()
    {
        // TinySeedDecoder scores every position whose target is not 0; ids drawn from 0..10 leave some shards with more
        // scored positions than others, so weighting shards by their rows would not be the batch's mean.
        var tokens = new int[300];
        var rng = new Rng(6);
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(3) == 0 ? 0 : rng.NextInt(11);
        var data = new WindowDataset(tokens, 4, 1);
        (float[] Weights, double Loss) Train(DataParallel parallel)
        {
            using var model = new TinySeedDecoder(new ModelOptions { Seed = 3, Backend = Backend.Cpu });
            var history = model.Fit(data, new FitOptions { Epochs = 1, BatchSize = 24, StepsPerEpoch = 6, Optimizer = new Adam(0.01f), DataParallel = parallel });
            return (model.Parameters.ToArray(), history.Epochs[0].TrainingLoss);
        }

        var whole = Train(DataParallel.None);
        var three = Train(DataParallel.Sequential(3));
        Assert.True(DataParallelTests.MaxRelativeDifference(three.Weights, whole.Weights) < 1e-4);
        Assert.True(Math.Abs(three.Loss - whole.Loss) < 1e-5 * whole.Loss, $"epoch loss {three.Loss} sharded vs {whole.Loss} whole");
    }
}
