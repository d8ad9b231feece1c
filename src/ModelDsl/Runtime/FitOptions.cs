using ModelDsl.Training;

namespace ModelDsl;

/// <summary>How <see cref="Model.Fit"/> trains.</summary>
public sealed record FitOptions
{
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 128;
    public bool Shuffle { get; init; } = true;
    /// <summary>Stop each epoch after this many batches (null: the whole training set).</summary>
    public int? StepsPerEpoch { get; init; }
    /// <summary>Defaults to Keras's RMSprop(0.001).</summary>
    public Optimizer? Optimizer { get; init; }
    /// <summary>Rescale the gradients when their global L2 norm exceeds this (Keras <c>global_clipnorm</c>).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>Where the progress line goes (null: no progress output).</summary>
    public TextWriter? Progress { get; init; }
    /// <summary>Overrides whether the progress line is rewritten in place (default: when output is a terminal).</summary>
    public bool? InteractiveProgress { get; init; }
}
