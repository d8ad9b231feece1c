using System.Runtime.InteropServices;
using System.Numerics;

namespace ModelDsl.Training;

/// <summary>
/// Adam as in Keras 3: m ← m + (g − m)(1 − β₁); v ← v + (g² − v)(1 − β₂);
/// α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ); p ← p − α·m / (√v + ε).
/// </summary>
/// <remarks>
/// Bias correction is folded into α (the "ε-hat" form of Kingma and Ba, section 2), so ε is added to
/// √v, not to the bias-corrected √v̂. Two state slots: m, then v. No AMSGrad.
/// </remarks>
public sealed class Adam : Optimizer
{
    public Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f) : base(learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon >= 0) || !float.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be finite and non-negative.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>Decay of the first-moment estimate.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second-moment estimate.</summary>
    public float Beta2 { get; }

    /// <summary>Added to √v.</summary>
    public float Epsilon { get; }

    public override string Name => "adam";

    public override int StateSlots => 2;

    /// <summary>v, the running mean of g².</summary>
    public override bool SlotIsNonNegative(int slot) => slot == 1;

    protected override void WriteHyperparameters(System.Text.Json.Utf8JsonWriter json)
    {
        json.WriteNumber("beta_1", Beta1);
        json.WriteNumber("beta_2", Beta2);
        json.WriteNumber("epsilon", Epsilon);
    }

    internal override DeviceUpdateRule? DeviceRule(long step) =>
        new(4, LearningRate, Beta1, 1 - Beta1, 1 - Beta2, Epsilon, Alpha(step));

    /// <summary>α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ); β^t in double: for long runs float powers lose the bias correction's last digits.</summary>
    private float Alpha(long step) => (float)(LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step)));

    protected override void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, long step)
    {
        int n = parameters.Length;
        Span<float> mState = state[..n], vState = state[n..];
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref MemoryMarshal.GetReference(mState);
        ref float v = ref MemoryMarshal.GetReference(vState);
        float alpha = Alpha(step);
        float c1 = 1 - Beta1, c2 = 1 - Beta2, eps = Epsilon;
        int i = 0;

        // One Vector<float> loop: the update is memory-bound, so the width the runtime picks (16 or 32 bytes) is as fast as any.
        if (Vector.IsHardwareAccelerated)
        {
            var vC1 = new Vector<float>(c1); var vC2 = new Vector<float>(c2);
            var vAlpha = new Vector<float>(alpha); var vEps = new Vector<float>(eps);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = Vector.LoadUnsafe(ref g, (nuint)i);
                var mi = Vector.LoadUnsafe(ref m, (nuint)i);
                var vi = Vector.LoadUnsafe(ref v, (nuint)i);
                mi += (gi - mi) * vC1;
                vi += (gi * gi - vi) * vC2;
                mi.StoreUnsafe(ref m, (nuint)i);
                vi.StoreUnsafe(ref v, (nuint)i);
                (Vector.LoadUnsafe(ref p, (nuint)i) - mi * vAlpha / (Vector.SquareRoot(vi) + vEps)).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float gi = gradients[i];
            float mi = mState[i] + (gi - mState[i]) * c1;
            float vi = vState[i] + (gi * gi - vState[i]) * c2;
            mState[i] = mi;
            vState[i] = vi;
            parameters[i] -= mi * alpha / (MathF.Sqrt(vi) + eps);
        }
    }
}
