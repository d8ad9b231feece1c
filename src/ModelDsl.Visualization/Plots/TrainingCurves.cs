using ModelDsl.Training;

namespace ModelDsl.Visualization;

/// <summary>
/// Per-epoch series for <see cref="TrainingPlot"/>, one value per entry of <see cref="Epochs"/>; NaN where an epoch has no
/// value (e.g. no validation data). Accuracy is null when not measured.
/// </summary>
public sealed record TrainingCurves
{
    public required IReadOnlyList<int> Epochs { get; init; }
    public required IReadOnlyList<double> TrainingLoss { get; init; }
    public IReadOnlyList<double>? ValidationLoss { get; init; }
    /// <summary>Fraction of next tokens predicted right, in [0, 1].</summary>
    public IReadOnlyList<double>? TrainingAccuracy { get; init; }
    public IReadOnlyList<double>? ValidationAccuracy { get; init; }

    /// <summary>
    /// The losses <c>Fit</c> recorded. <see cref="EpochResult"/> carries no accuracy yet, so the accuracy series stay null;
    /// pass them with <c>with { TrainingAccuracy = … }</c> when you measure them yourself.
    /// </summary>
    public static TrainingCurves From(TrainingHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs;
        bool validated = epochs.Any(e => e.ValidationLoss is not null);
        return new TrainingCurves
        {
            Epochs = epochs.Select(e => e.Epoch).ToArray(),
            TrainingLoss = epochs.Select(e => e.TrainingLoss).ToArray(),
            ValidationLoss = validated ? epochs.Select(e => e.ValidationLoss ?? double.NaN).ToArray() : null,
        };
    }

    internal void Check()
    {
        CheckLength(TrainingLoss, nameof(TrainingLoss));
        CheckLength(ValidationLoss, nameof(ValidationLoss));
        CheckLength(TrainingAccuracy, nameof(TrainingAccuracy));
        CheckLength(ValidationAccuracy, nameof(ValidationAccuracy));
    }

    private void CheckLength(IReadOnlyList<double>? series, string name)
    {
        if (series is not null && series.Count != Epochs.Count)
            throw new ArgumentException($"{name} has {series.Count} values for {Epochs.Count} epochs.", name);
    }
}
