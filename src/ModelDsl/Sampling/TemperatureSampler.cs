using System.Numerics.Tensors;
using ModelDsl.Numerics;

namespace ModelDsl.Sampling;

/// <summary>
/// Temperature sampling of the Keras text-generation example:
/// <c>preds = log(p) / T; p = exp(preds) / sum(exp(preds)); draw one</c>.
/// </summary>
/// <remarks>
/// Computed stably in log space with the maximum subtracted before exponentiating, so small
/// temperatures (which make log(p)/T huge) never overflow; a zero probability has log −∞ and
/// weight exactly 0, never NaN. Temperatures at or below <see cref="GreedyTemperature"/> pick the
/// arg-max (ties to the lowest index), the limit of the rule as T → 0. Probabilities need not sum to 1.
/// Nothing is allocated: scratch space is stack memory up to <see cref="MaxStackScratch"/> entries,
/// a caller's buffer, or (for larger vocabularies without one) recomputation in a second pass.
/// </remarks>
public static class TemperatureSampler
{
    /// <summary>Temperatures at or below this sample greedily.</summary>
    public const float GreedyTemperature = 1e-6f;

    /// <summary>Largest vocabulary whose scratch space is taken from the stack.</summary>
    public const int MaxStackScratch = 4096;

    /// <summary>Draws an index from <paramref name="probabilities"/> reshaped by <paramref name="temperature"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is NaN or negative.</exception>
    /// <exception cref="ArgumentException">A probability is NaN, negative or infinite, or none is positive.</exception>
    public static int Sample(ReadOnlySpan<float> probabilities, float temperature, Rng rng)
    {
        if (probabilities.Length <= MaxStackScratch)
        {
            Span<float> scratch = stackalloc float[probabilities.Length];
            return Sample(probabilities, temperature, rng, scratch);
        }
        return Sample(probabilities, temperature, rng, Span<float>.Empty);
    }

    /// <summary>
    /// As <see cref="Sample(ReadOnlySpan{float}, float, Rng)"/>, with <paramref name="scratch"/>
    /// (at least as long as the probabilities) for the weights; an empty scratch recomputes them instead.
    /// </summary>
    public static int Sample(ReadOnlySpan<float> probabilities, float temperature, Rng rng, Span<float> scratch)
    {
        ValidateTemperature(temperature);
        ArgumentNullException.ThrowIfNull(rng);
        ValidateProbabilities(probabilities);
        if (temperature <= GreedyTemperature) return ArgMax(probabilities);

        // Logits of the reshaped distribution are log(p)/T; only their differences matter.
        float maxLogit = MathF.Log(probabilities[ArgMax(probabilities)]);
        return Draw(probabilities, temperature, maxLogit, fromLogits: false, rng, scratch);
    }

    /// <summary>Draws an index from softmax(<paramref name="logits"/> / <paramref name="temperature"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is NaN or negative.</exception>
    /// <exception cref="ArgumentException">A logit is NaN or +∞, or all are −∞.</exception>
    public static int SampleFromLogits(ReadOnlySpan<float> logits, float temperature, Rng rng)
    {
        if (logits.Length <= MaxStackScratch)
        {
            Span<float> scratch = stackalloc float[logits.Length];
            return SampleFromLogits(logits, temperature, rng, scratch);
        }
        return SampleFromLogits(logits, temperature, rng, Span<float>.Empty);
    }

    /// <summary>As <see cref="SampleFromLogits(ReadOnlySpan{float}, float, Rng)"/> with caller scratch (empty: recompute).</summary>
    public static int SampleFromLogits(ReadOnlySpan<float> logits, float temperature, Rng rng, Span<float> scratch)
    {
        ValidateTemperature(temperature);
        ArgumentNullException.ThrowIfNull(rng);
        if (logits.IsEmpty) throw new ArgumentException("No logits to sample from.", nameof(logits));
        for (int i = 0; i < logits.Length; i++)
        {
            if (float.IsNaN(logits[i]) || float.IsPositiveInfinity(logits[i]))
                throw new ArgumentException($"Logit {i} is {logits[i]}; logits must be finite or −∞.", nameof(logits));
        }
        int best = ArgMax(logits);
        if (float.IsNegativeInfinity(logits[best]))
            throw new ArgumentException("All logits are −∞: no index can be drawn.", nameof(logits));
        if (temperature <= GreedyTemperature) return best;
        return Draw(logits, temperature, logits[best], fromLogits: true, rng, scratch);
    }

    /// <summary>Greedy choice: the index of the largest value, the lowest such index on ties.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }

    private static int Draw(ReadOnlySpan<float> values, float temperature, float maxLogit, bool fromLogits, Rng rng, Span<float> scratch)
    {
        int n = values.Length;
        double total;
        bool cached = scratch.Length >= n;
        if (cached)
        {
            Span<float> weights = scratch[..n];
            // weights = exp((logit − max)/T); subtracting before dividing keeps small T accurate,
            // and log(0) = −∞ gives exp(−∞) = 0.
            if (fromLogits) values.CopyTo(weights);
            else TensorPrimitives.Log(values, weights);
            TensorPrimitives.Subtract(weights, maxLogit, weights);
            TensorPrimitives.Divide(weights, temperature, weights);
            TensorPrimitives.Exp(weights, weights);
            total = 0;
            foreach (float w in weights) total += w;
        }
        else
        {
            total = 0;
            for (int i = 0; i < n; i++) total += Weight(values[i], temperature, maxLogit, fromLogits);
        }

        double target = rng.NextDouble() * total;
        double cumulative = 0;
        int lastPositive = -1;
        for (int i = 0; i < n; i++)
        {
            float w = cached ? scratch[i] : Weight(values[i], temperature, maxLogit, fromLogits);
            if (w <= 0) continue;
            lastPositive = i;
            cumulative += w;
            if (target < cumulative) return i;
        }
        // Rounding can leave target a hair above the final sum: the draw belongs to the last candidate.
        return lastPositive;
    }

    private static float Weight(float value, float temperature, float maxLogit, bool fromLogits)
    {
        float logit = fromLogits ? value : MathF.Log(value);
        return MathF.Exp((logit - maxLogit) / temperature);
    }

    private static void ValidateTemperature(float temperature)
    {
        if (float.IsNaN(temperature) || temperature < 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a non-negative number.");
    }

    private static void ValidateProbabilities(ReadOnlySpan<float> probabilities)
    {
        if (probabilities.IsEmpty) throw new ArgumentException("No probabilities to sample from.", nameof(probabilities));
        bool anyPositive = false;
        for (int i = 0; i < probabilities.Length; i++)
        {
            float p = probabilities[i];
            if (float.IsNaN(p) || p < 0 || float.IsInfinity(p))
                throw new ArgumentException($"Probability {i} is {p}; probabilities must be finite and non-negative.", nameof(probabilities));
            anyPositive |= p > 0;
        }
        if (!anyPositive) throw new ArgumentException("All probabilities are zero: no index can be drawn.", nameof(probabilities));
    }
}
