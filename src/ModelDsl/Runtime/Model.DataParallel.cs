using System.Numerics.Tensors;
using ModelDsl.Data;
using ModelDsl.Distributed;
using ModelDsl.Runtime;
using ModelDsl.Training;

namespace ModelDsl;

public abstract partial class Model
{
    private DataParallel? _dataParallel; // set for the duration of a data-parallel Fit
    private float[]? _shardGradients;    // the sum of this process's scaled shard gradients, with more than one local shard

    /// <inheritdoc cref="FitThisProcess"/>
    /// <remarks>
    /// Data-parallel (<see cref="FitOptions.DataParallel"/>, or started by MPICH's <c>mpiexec</c>): every rank takes the
    /// same global batches; rank 0's weights and optimizer state are broadcast first; each step each rank computes its shard
    /// and one all-reduce adds the gradients before the same update on every rank. Progress, validation (its loss broadcast),
    /// <paramref name="onEpochEnd"/> and checkpoints happen on rank 0 only. An exception on any rank (reading its batch, its
    /// shard's forward and backward, rank 0's progress, validation, callback or checkpoint) reaches every rank at the next
    /// agreement, where all throw the same <see cref="DataParallelException"/>; only a failure inside the collectives that
    /// follow an agreement ends the job with MPI_Abort. See docs/distributed.md, "Faults".
    /// </remarks>
    public TrainingHistory Fit(ISequenceData train, FitOptions? options = null, ISequenceData? validation = null, Action<EpochResult>? onEpochEnd = null)
    {
        var parallel = options?.DataParallel ?? DataParallel.FromEnvironment();
        if (parallel is null || parallel.Shards == 1) return FitThisProcess(train, options, validation, onEpochEnd);
        _dataParallel = parallel;
        parallel.Exchanging = false;
        try
        {
            var history = FitThisProcess(train, options, validation, onEpochEnd);
            // The last agreement: a failure after another rank's last step (rank 0's last validation, callback or
            // checkpoint) still reaches every rank, which would otherwise return while the failing rank waits.
            parallel.Agree([], _optimizerStep);
            return history;
        }
        catch (Exception error) when (parallel.Ranks > 1 && !parallel.IsAgreed(error))
        {
            // Every collective after the start's agreement is another agreement, except the broadcasts and the gradient
            // all-reduce that directly follow one: outside those, every other rank is in (or on its way to) an agreement,
            // which this rank joins marked as failed.
            if (parallel.Exchanging) parallel.Abort(error);
            throw parallel.ShareFailure(error, _optimizerStep);
        }
        finally
        {
            _dataParallel = null;
        }
    }

    /// <summary>
    /// Every rank starts from rank 0's weights, optimizer state and step and shuffle stream; each rank >0 forks its own
    /// dropout stream. The agreement first: a rank whose set-up failed (a resume file it cannot read) is named to all.
    /// </summary>
    private void SynchroniseReplicas(DataParallel parallel)
    {
        HostWrites();
        var shuffle = ShuffleRandom.GetState();
        parallel.Agree([], _optimizerStep);
        parallel.Exchanging = true;
        parallel.Broadcast(_parameters.AsSpan());
        parallel.Broadcast(_optimizerState.AsSpan());
        Span<long> step = [_optimizerStep];
        parallel.Broadcast(step);
        parallel.Broadcast(shuffle.AsSpan());
        parallel.Exchanging = false;
        _optimizerStep = step[0];
        ShuffleRandom.SetState(shuffle);
        // Rank 0 keeps the model's dropout stream (the one its checkpoints save); the others draw unrelated masks.
        if (parallel.Rank > 0) DropoutRandom.SetState(DropoutRandom.Fork(0xD15_0000UL + (ulong)parallel.Rank).GetState());
    }

    /// <summary>
    /// One data-parallel step on the global batch <paramref name="batch"/>: this process's shards, each mean gradient scaled
    /// by its share of the rows and added in shard order, one agreement on the loss, non-finite count and failures, one
    /// all-reduce of the gradients, then clipping and the update, identical on every rank. A fault on any rank is a fault on all.
    /// </summary>
    private (double Loss, NonFiniteLossException? Fault) TryTrainDataParallel(DataParallel parallel, ProgramExecutor program, ISequenceData train, ReadOnlySpan<int> batch, float? clipNorm, out int weight)
    {
        var optimizer = _optimizer!;
        HostWrites(); // the update below changes the host arrays
        int rows = batch.Length;
        var sum = _gradients;
        if (parallel.LocalShards > 1) sum = _shardGradients ??= new float[ParameterCount];
        // A loss that leaves padding targets out is a mean over the scored positions of the whole batch, which no rank
        // knows before the all-reduce: shards then add their sums (mean × positions) and the total divides at the end.
        bool byPositions = program.LossOp is { IgnorePadding: true };
        Span<double> totals = [0, 0, 0]; // Σ loss·weight over this process's shards, faults, Σ weight
        NonFiniteSite? site = null;
        bool lossFault = false;
        for (int j = 0; j < parallel.LocalShards; j++)
        {
            var (start, length) = parallel.ShardRange(parallel.Rank * parallel.LocalShards + j, rows);
            Array.Clear(_gradients);
            int shardWeight = 0;
            if (length > 0)
            {
                var shard = batch.Slice(start, length);
                if (program.Program.TargetsPerStep) train.FillBatchPerStep(shard, program.Tokens, program.Targets);
                else train.FillBatch(shard, program.Tokens, program.Targets);
                double loss = program.Forward(length);
                shardWeight = byPositions ? program.CountScoredTargets(length) : length;
                totals[2] += shardWeight;
                if (double.IsFinite(loss))
                {
                    program.Backward(length);
                    totals[0] += loss * shardWeight;
                    if (site is null && !NonFiniteSearch.AllFinite(_gradients)) site = program.FindNonFinite(length, backward: true);
                }
                else
                {
                    totals[1]++;
                    lossFault = true;
                    site ??= program.FindNonFinite(length, backward: false);
                }
            }
            // The program's loss is the shard's mean: scale to its share of the global mean (or, by positions, to its sum).
            // Multiply, then add, never
            // fused, so one process with N shards and N ranks with one each round the same way (exact for N = 2).
            float share = byPositions ? shardWeight : (float)length / rows;
            TensorPrimitives.Multiply(_gradients, share, _gradients);
            if (parallel.LocalShards == 1) continue;
            if (j == 0) _gradients.AsSpan().CopyTo(sum);
            else TensorPrimitives.Add(sum, _gradients, sum);
        }
        if (!ReferenceEquals(sum, _gradients)) sum.AsSpan().CopyTo(_gradients);
        // The agreement before the gradients move: a rank that failed in this step joins it instead (Fit), and every rank
        // then throws its error rather than wait in the gradient all-reduce.
        parallel.Agree(totals, _optimizerStep);
        weight = (int)totals[2];
        double meanLoss = totals[2] > 0 ? totals[0] / totals[2] : 0;
        if (totals[1] > 0)
            return (double.NaN, parallel.Agreed(new NonFiniteLossException(_optimizerStep + 1, lossFault ? double.NaN : meanLoss, inGradients: false, site)));
        parallel.Exchanging = true;
        parallel.AllReduceSum(_gradients.AsSpan());
        parallel.Exchanging = false;
        if (byPositions) TensorPrimitives.Multiply(_gradients, totals[2] > 0 ? (float)(1 / totals[2]) : 0f, _gradients);
        if (!NonFiniteSearch.AllFinite(_gradients))
            return (meanLoss, parallel.Agreed(new NonFiniteLossException(_optimizerStep + 1, meanLoss, inGradients: true, site)));
        if (clipNorm is { } max) GradientClipping.ClipByGlobalNorm(_gradients, max);
        _optimizerStep++;
        optimizer.Step(_parameters, _gradients, _optimizerState, _optimizerStep);
        return (meanLoss, null);
    }

    /// <summary>
    /// The validation loss: computed by rank 0 and shared through an agreement (the others add zeros, so the sum is rank 0's
    /// loss exactly), so every rank's history is the same and a failure in rank 0's evaluation reaches every rank.
    /// </summary>
    private double ValidationLoss(ISequenceData validation, int batchSize)
    {
        if (_dataParallel is not { Ranks: > 1 } parallel) return Evaluate(validation, batchSize);
        Span<double> loss = [parallel.IsRoot ? Evaluate(validation, batchSize) : 0];
        parallel.Agree(loss, _optimizerStep);
        return loss[0];
    }
}
