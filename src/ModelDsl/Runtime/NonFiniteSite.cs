namespace ModelDsl.Runtime;

/// <summary>Where a NaN or an infinity was first found after a training step went non-finite.</summary>
/// <param name="Layer">The layer's Keras-style name ("lstm", "dense_1").</param>
/// <param name="Value">What held it: a weight tensor ("lstm.kernel"), its gradient ("gradient of lstm.kernel"), or a
/// buffer of the lowered program ("lstm_z" for activations, "d_lstm_h" for the gradient of an activation).</param>
/// <param name="InBackward">Found while scanning the backward pass (gradients) rather than the forward pass.</param>
public sealed record NonFiniteSite(string Layer, string Value, bool InBackward)
{
    public override string ToString() => $"layer '{Layer}' ({Value})";
}
