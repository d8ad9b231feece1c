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
    /// <paramref name="onEpochEnd"/> and checkpoints happen on rank 0 only. Any other failure on one rank ends the whole job
    /// (MPI_Abort) rather than leave the others waiting in a collective. See docs/distributed.md.
    /// </remarks>
    public TrainingHistory Fit(ISequenceData train, FitOptions? options = null, ISequenceData? validation = null, Action<EpochResult>? onEpochEnd = null)
    {
        var parallel = options?.DataParallel ?? DataParallel.FromEnvironment();
        if (parallel is null || parallel.Shards == 1) return FitThisProcess(train, options, validation, onEpochEnd);
        _dataParallel = parallel;
        try
        {
            return FitThisProcess(train, options, validation, onEpochEnd);
        }
        catch (NonFiniteLossException)
        {
            throw; // every rank reached this verdict from the same all-reduced loss and gradients
        }
        catch (Exception error)
        {
            parallel.Abort(error);
            throw;
        }
        finally
        {
            _dataParallel = null;
        }
    }

    /// <summary>Every rank starts from rank 0's weights, optimizer state and step and shuffle stream; each rank >0 forks its own dropout stream.</summary>
    private void SynchroniseReplicas(DataParallel parallel)
    {
        HostWrites();
        parallel.Broadcast(_parameters.AsSpan());
        parallel.Broadcast(_optimizerState.AsSpan());
        Span<long> step = [_optimizerStep];
        parallel.Broadcast(step);
        _optimizerStep = step[0];
        var shuffle = ShuffleRandom.GetState();
        parallel.Broadcast(shuffle.AsSpan());
        ShuffleRandom.SetState(shuffle);
        // Rank 0 keeps the model's dropout stream (the one its checkpoints save); the others draw unrelated masks.
        if (parallel.Rank > 0) DropoutRandom.SetState(DropoutRandom.Fork(0xD15_0000UL + (ulong)parallel.Rank).GetState());
    }

    /// <summary>
    /// One data-parallel step on the global batch <paramref name="batch"/>: this process's shards, each mean gradient scaled
    /// by its share of the rows and added in shard order, one all-reduce of the gradients and one of the loss and fault
    /// count, then clipping and the update, identical on every rank. A fault on any rank is a fault on all.
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
        parallel.AllReduceSum(_gradients.AsSpan());
        parallel.AllReduceSum(totals);
        weight = (int)totals[2];
        if (byPositions) TensorPrimitives.Multiply(_gradients, totals[2] > 0 ? (float)(1 / totals[2]) : 0f, _gradients);
        double meanLoss = totals[2] > 0 ? totals[0] / totals[2] : 0;
        if (totals[1] > 0)
            return (double.NaN, new NonFiniteLossException(_optimizerStep + 1, lossFault ? double.NaN : meanLoss, inGradients: false, site));
        if (!NonFiniteSearch.AllFinite(_gradients))
            return (meanLoss, new NonFiniteLossException(_optimizerStep + 1, meanLoss, inGradients: true, site));
        if (clipNorm is { } max) GradientClipping.ClipByGlobalNorm(_gradients, max);
        _optimizerStep++;
        optimizer.Step(_parameters, _gradients, _optimizerState, _optimizerStep);
        return (meanLoss, null);
    }

    /// <summary>The validation loss: computed by rank 0 and broadcast, so every rank's history is the same.</summary>
    private double ValidationLoss(ISequenceData validation, int batchSize)
    {
        if (_dataParallel is not { Ranks: > 1 } parallel) return Evaluate(validation, batchSize);
        Span<double> loss = [parallel.IsRoot ? Evaluate(validation, batchSize) : 0];
        parallel.Broadcast(loss);
        return loss[0];
    }
}
