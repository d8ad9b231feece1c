using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

        if (Vector512.IsHardwareAccelerated)
        {
            var vMu = Vector512.Create(mu); var vLr = Vector512.Create(lr);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var lrG = vLr * Vector512.LoadUnsafe(ref g, (nuint)i);
                var mi = vMu * Vector512.LoadUnsafe(ref m, (nuint)i) - lrG;
                mi.StoreUnsafe(ref m, (nuint)i);
                var delta = nesterov ? vMu * mi - lrG : mi;
                (Vector512.LoadUnsafe(ref p, (nuint)i) + delta).StoreUnsafe(ref p, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vMu = Vector256.Create(mu); var vLr = Vector256.Create(lr);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var lrG = vLr * Vector256.LoadUnsafe(ref g, (nuint)i);
                var mi = vMu * Vector256.LoadUnsafe(ref m, (nuint)i) - lrG;
                mi.StoreUnsafe(ref m, (nuint)i);
                var delta = nesterov ? vMu * mi - lrG : mi;
                (Vector256.LoadUnsafe(ref p, (nuint)i) + delta).StoreUnsafe(ref p, (nuint)i);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var vMu = Vector128.Create(mu); var vLr = Vector128.Create(lr);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                var lrG = vLr * Vector128.LoadUnsafe(ref g, (nuint)i);
                var mi = vMu * Vector128.LoadUnsafe(ref m, (nuint)i) - lrG;
                mi.StoreUnsafe(ref m, (nuint)i);
                var delta = nesterov ? vMu * mi - lrG : mi;
                (Vector128.LoadUnsafe(ref p, (nuint)i) + delta).StoreUnsafe(ref p, (nuint)i);
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
