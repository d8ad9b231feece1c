using System.Globalization;
using ModelDsl.Runtime;

namespace ModelDsl;

/// <summary>
/// Inference (<see cref="Model.Predict(ReadOnlySpan{int}, Span{float})"/>, <see cref="Model.Generate"/>) produced a NaN or an
/// infinity: it names the first layer holding one, in forward order, as <see cref="NonFiniteLossException"/> does for
/// training. Nothing was drawn from the sampling stream.
/// </summary>
public sealed class NonFiniteOutputException : Exception
{
    public NonFiniteOutputException(string message) : base(message) { }

    public NonFiniteOutputException(float value, int index, NonFiniteSite? site) : base(Describe(value, index, site))
    {
        Value = value;
        Index = index;
        Site = site;
    }

    /// <summary>The first non-finite output value.</summary>
    public float Value { get; }

    /// <summary>Its index in the output row (a token id for a model over the vocabulary).</summary>
    public int Index { get; }

    /// <summary>The first layer holding a non-finite value in forward order (weights, then activations), if found.</summary>
    public NonFiniteSite? Site { get; }

    /// <summary>The name of that layer ("lstm", "dense_1"), or null when none was found.</summary>
    public string? Layer => Site?.Layer;

    private static string Describe(float value, int index, NonFiniteSite? site)
    {
        string where = site is null
            ? "; no layer's weights or buffers hold a non-finite value that this backend can read"
            : $"; the first non-finite value in forward order is in {site}";
        return $"The model's output is {value.ToString(CultureInfo.InvariantCulture)} at index {index}{where}. " +
               "A weight is NaN or ∞, or an activation overflowed: check the weights that were loaded or trained.";
    }
}
