namespace ModelDsl.Training;

/// <summary>The per-epoch results of a <c>Fit</c> run, in order (Keras's <c>History</c>).</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochResult> _epochs = [];

    /// <summary>Every epoch so far, oldest first.</summary>
    public IReadOnlyList<EpochResult> Epochs => _epochs;

    /// <summary>Number of epochs recorded.</summary>
    public int Count => _epochs.Count;

    /// <summary>The most recent epoch, or null before the first.</summary>
    public EpochResult? Last => _epochs.Count > 0 ? _epochs[^1] : null;

    /// <summary>Appends an epoch; epochs must come in increasing order (a resumed run continues its numbering).</summary>
    public void Add(EpochResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_epochs.Count > 0 && result.Epoch <= _epochs[^1].Epoch)
            throw new ArgumentException($"Epoch {result.Epoch} comes after epoch {_epochs[^1].Epoch}; epochs must increase.", nameof(result));
        _epochs.Add(result);
    }

    /// <summary>The epoch with the lowest validation loss, or null when none has one (for keeping the best checkpoint).</summary>
    public EpochResult? BestByValidationLoss()
    {
        EpochResult? best = null;
        foreach (var epoch in _epochs)
        {
            if (epoch.ValidationLoss is double loss && !double.IsNaN(loss) && (best is null || loss < best.ValidationLoss))
                best = epoch;
        }
        return best;
    }
}
