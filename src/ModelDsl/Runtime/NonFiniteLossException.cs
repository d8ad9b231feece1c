using System.Globalization;
using ModelDsl.Runtime;

namespace ModelDsl;

/// <summary>
/// A training step produced a NaN or an infinity, in the loss or in the gradients (Keras <c>TerminateOnNaN</c>, saying
/// where). The update was not applied: the weights and optimizer state are those after step <see cref="Step"/> − 1.
/// </summary>
public sealed class NonFiniteLossException : Exception
{
    public NonFiniteLossException(string message) : base(message) { }

    public NonFiniteLossException(long step, double loss, bool inGradients, NonFiniteSite? site)
        : base(Describe(step, loss, inGradients, site))
    {
        Step = step;
        Loss = loss;
        InGradients = inGradients;
        Site = site;
    }

    /// <summary>The 1-based number of the step that failed (<see cref="Model.Step"/> + 1).</summary>
    public long Step { get; }

    /// <summary>The step's mean loss: non-finite, or finite when only the gradients were not.</summary>
    public double Loss { get; }

    /// <summary>The loss was finite but a gradient was not.</summary>
    public bool InGradients { get; }

    /// <summary>The first layer holding a non-finite value (forward order for the loss, backward order for gradients), if found.</summary>
    public NonFiniteSite? Site { get; }

    /// <summary>The name of that layer ("lstm", "dense_1"), or null when none was found.</summary>
    public string? Layer => Site?.Layer;

    private static string Describe(long step, double loss, bool inGradients, NonFiniteSite? site)
    {
        string what = inGradients
            ? $"The gradients became non-finite at step {step} (the loss was {loss.ToString("G6", CultureInfo.InvariantCulture)})"
            : $"The loss became {loss.ToString(CultureInfo.InvariantCulture)} at step {step}";
        string where = site is null
            ? "; no layer's weights or buffers hold a non-finite value that this backend can read"
            : $"; the first non-finite value in {(inGradients ? "backward" : "forward")} order is in {site}";
        return $"{what}{where}. Training stopped before the update: the weights are those of step {step - 1}. " +
               "Lower the learning rate or set FitOptions.ClipNorm, or set FitOptions.SkipNonFiniteBatches to skip such batches.";
    }
}
