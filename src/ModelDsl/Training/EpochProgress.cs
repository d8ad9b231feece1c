namespace ModelDsl.Training;

/// <summary>What <c>FitOptions.ProgressFactory</c> is told when an epoch starts.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Epochs">Epochs in the <c>Fit</c> call.</param>
/// <param name="Steps">Batches in the epoch (the last step number <see cref="IProgressSink.Report"/> receives).</param>
public sealed record EpochProgress(int Epoch, int Epochs, int Steps)
{
    /// <summary>"Epoch 3/60", as Keras prints it above the bar.</summary>
    public string Label => $"Epoch {Epoch}/{Epochs}";
}
