using System.Numerics.Tensors;

namespace ModelDsl.Training;

/// <summary>Gradient rescaling against exploding gradients (common in recurrent networks).</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales <paramref name="gradients"/> in place so that their L2 norm is at most
    /// <paramref name="maxNorm"/>: g ← g · maxNorm / ‖g‖ when ‖g‖ &gt; maxNorm, otherwise unchanged.
    /// </summary>
    /// <remarks>
    /// Called once on the whole flat gradient buffer this is Keras's <c>global_clipnorm</c>.
    /// Keras's <c>clipnorm</c> instead clips each variable's gradient by its own norm: call this once
    /// per parameter tensor's slice to get that. A non-finite norm (NaN or ∞ gradients) is returned
    /// and the gradients are left as they are, so the caller can detect and skip the step.
    /// </remarks>
    /// <returns>The norm before clipping.</returns>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0) || !float.IsFinite(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum norm must be positive and finite.");
        float norm = TensorPrimitives.Norm(gradients);
        if (float.IsFinite(norm) && norm > maxNorm)
            TensorPrimitives.Multiply(gradients, maxNorm / norm, gradients);
        return norm;
    }
}
