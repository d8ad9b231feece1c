using System.Runtime.InteropServices;
using System.Numerics;

namespace ModelDsl.Training;

/// <summary>
/// RMSprop as in Keras 3 (no momentum, not centered): v ← ρv + (1−ρ)g²; p ← p − lr·g / √(v + ε).
/// </summary>
/// <remarks>
/// ε sits inside the square root, as in Keras's <c>RMSprop.update_step</c>
/// (<c>sqrt(velocity + epsilon)</c>), not added after it. One state slot: v.
/// The Keras text-generation example uses <c>RMSprop(learning_rate=0.01)</c>.
/// </remarks>
public sealed class RmsProp : Optimizer
{
    public RmsProp(float learningRate = 0.001f, float rho = 0.9f, float epsilon = 1e-7f) : base(learningRate)
    {
        if (!(rho >= 0 && rho < 1)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be in [0, 1).");
        if (!(epsilon >= 0) || !float.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be finite and non-negative.");
        Rho = rho;
        Epsilon = epsilon;
    }

    /// <summary>Decay of the running mean of squared gradients.</summary>
    public float Rho { get; }

    /// <summary>Added to v under the square root.</summary>
    public float Epsilon { get; }

    public override string Name => "rmsprop";

    public override int StateSlots => 1;

    /// <summary>v, the running mean of g².</summary>
    public override bool SlotIsNonNegative(int slot) => slot == 0;

    protected override void WriteHyperparameters(System.Text.Json.Utf8JsonWriter json)
    {
        json.WriteNumber("rho", Rho);
        json.WriteNumber("epsilon", Epsilon);
    }

    internal override DeviceUpdateRule? DeviceRule(long step) => new(3, LearningRate, Rho, 1 - Rho, 0, Epsilon, 0);

    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, long step)
    {
        int n = parameters.Length;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float v = ref MemoryMarshal.GetReference(state);
        float lr = LearningRate, rho = Rho, oneMinusRho = 1 - Rho, eps = Epsilon;
        int i = 0;

        // One Vector<float> loop: the update is memory-bound, so the width the runtime picks (16 or 32 bytes) is as fast as any.
        if (Vector.IsHardwareAccelerated)
        {
            var vRho = new Vector<float>(rho); var vOne = new Vector<float>(oneMinusRho);
            var vLr = new Vector<float>(lr); var vEps = new Vector<float>(eps);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = Vector.LoadUnsafe(ref g, (nuint)i);
                var vi = vRho * Vector.LoadUnsafe(ref v, (nuint)i) + vOne * gi * gi;
                vi.StoreUnsafe(ref v, (nuint)i);
                (Vector.LoadUnsafe(ref p, (nuint)i) - vLr * gi / Vector.SquareRoot(vi + vEps)).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float gi = gradients[i];
            float vi = rho * state[i] + oneMinusRho * gi * gi;
            state[i] = vi;
            parameters[i] -= lr * gi / MathF.Sqrt(vi + eps);
        }
    }
}
