namespace ModelDsl.Training;

/// <summary>
/// Receives the progress of one epoch of <c>Fit</c>: <see cref="Report"/> after every batch, then <see cref="Finish"/>
/// once, then <see cref="IDisposable.Dispose"/> (also when the epoch ends with an exception, without <see cref="Finish"/>).
/// <see cref="ProgressReporter"/> prints Keras-style lines; a console UI (ModelDsl.Visualization's
/// <c>SpectreProgress</c>) draws a live bar. Plugged in through <c>FitOptions.ProgressFactory</c>.
/// </summary>
public interface IProgressSink : IDisposable
{
    /// <summary>Batch <paramref name="step"/> (1-based) of the epoch is done; <paramref name="loss"/> is the running mean over the epoch so far.</summary>
    /// <remarks>Called on the training thread after every batch, so it should return quickly and allocate nothing when it does not draw.</remarks>
    void Report(int step, double loss);

    /// <summary>Ends the epoch's output with <paramref name="summary"/>, e.g. "loss 1.4020 - val_loss 1.3021 - 41.8s".</summary>
    void Finish(string summary);
}
