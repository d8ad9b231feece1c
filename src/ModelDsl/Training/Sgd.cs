using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Numerics;

namespace ModelDsl.Training;

/// <summary>
/// Stochastic gradient descent as in Keras 3. Without momentum: p ← p − lr·g (no state).
/// With momentum μ: m ← μm − lr·g, then p ← p + m, or with Nesterov p ← p + μm − lr·g (one state slot: m).
/// </summary>
public sealed class Sgd : Optimizer
{
    public Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : base(learningRate)
    {
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1].");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>μ; fixed at construction because it decides the size of the state.</summary>
    public float Momentum { get; }

    /// <summary>Whether the update looks ahead along the momentum.</summary>
    public bool Nesterov { get; }

    public override string Name => "sgd";

    public override int StateSlots => Momentum != 0 ? 1 : 0;

    protected override void WriteHyperparameters(System.Text.Json.Utf8JsonWriter json)
    {
        json.WriteNumber("momentum", Momentum);
        json.WriteBoolean("nesterov", Nesterov);
    }

    internal override DeviceUpdateRule? DeviceRule(long step) =>
        Momentum == 0 ? new(0, LearningRate, 0, 0, 0, 0, 0) : new(Nesterov ? 2 : 1, LearningRate, Momentum, 0, 0, 0, 0);

    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, long step)
    {
        float lr = LearningRate;
        if (Momentum == 0)
        {
            // p ← p + (−lr)·g
            TensorPrimitives.MultiplyAdd(gradients, -lr, parameters, parameters);
            return;
        }

        int n = parameters.Length;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref MemoryMarshal.GetReference(state);
        float mu = Momentum;
        bool nesterov = Nesterov;
        int i = 0;

        // One Vector<float> loop: the update is memory-bound, so the width the runtime picks (16 or 32 bytes) is as fast as any.
        if (Vector.IsHardwareAccelerated)
        {
            var vMu = new Vector<float>(mu); var vLr = new Vector<float>(lr);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var lrG = vLr * Vector.LoadUnsafe(ref g, (nuint)i);
                var mi = vMu * Vector.LoadUnsafe(ref m, (nuint)i) - lrG;
                mi.StoreUnsafe(ref m, (nuint)i);
                var delta = nesterov ? vMu * mi - lrG : mi;
                (Vector.LoadUnsafe(ref p, (nuint)i) + delta).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float lrG = lr * gradients[i];
            float mi = mu * state[i] - lrG;
            state[i] = mi;
            parameters[i] += nesterov ? mu * mi - lrG : mi;
        }
    }
}
