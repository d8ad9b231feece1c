namespace ModelDsl.Training;

/// <summary>What one epoch of <c>Fit</c> produced, passed to the per-epoch callback.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch's batches.</param>
/// <param name="ValidationLoss">Mean loss on the validation windows, or null without validation data.</param>
/// <param name="Elapsed">Wall-clock time of the epoch, validation included.</param>
public sealed record EpochResult(int Epoch, double TrainingLoss, double? ValidationLoss, TimeSpan Elapsed)
{
    /// <summary>Batches whose loss or gradients were non-finite and were skipped without an update (<c>FitOptions.SkipNonFiniteBatches</c>).</summary>
    public int SkippedBatches { get; init; }
}
