using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelDsl.Cpu;

/// <summary>
/// Exp, Sigmoid and Tanh on <see cref="Vector512{T}"/>, <see cref="Vector256{T}"/>, <see cref="Vector128{T}"/> (ARM64 NEON,
/// x64 without AVX) and scalars, all three computing the
/// same operations in the same order (Cephes-style polynomials evaluated with fused multiply-add), so a value does not
/// depend on which width processed it. Max relative error about 2 ulp (≈2.5e-7).
/// Exp overflows to +∞ above ≈88.72 and underflows through subnormals to 0 below ≈-103.9; Sigmoid saturates to exactly
/// 0 and 1; Tanh to exactly ±1 for |x| ≥ 9.1; NaN in gives NaN out; never NaN for finite or infinite input.
/// </summary>
public static class SimdMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;        // ln 2 split so that n·Ln2Hi is exact for |n| ≤ 2^9
    private const float Ln2Lo = -2.12194440e-4f;
    private const float ExpMin = -105f;              // below this e^x rounds to 0
    private const float ExpMax = 89f;                // above this e^x overflows to +∞
    private const float E5 = 1.9875691500e-4f, E4 = 1.3981999507e-3f, E3 = 8.3334519073e-3f;
    private const float E2 = 4.1665795894e-2f, E1 = 1.6666665459e-1f, E0 = 5.0000001201e-1f;

    // tanh(x) = x + x·z·P(z), z = x², on |x| < 0.625, where 1 - 2/(e^{2x}+1) would lose bits to cancellation.
    private const float TanhSmall = 0.625f;
    private const float T4 = -5.70498872745e-3f, T3 = 2.06390887954e-2f, T2 = -5.37397155531e-2f;
    private const float T1 = 1.33314422036e-1f, T0 = -3.33332819422e-1f;

    // ---------------------------------------------------------------- scalar

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        float xc = Math.Clamp(x, ExpMin, ExpMax);
        float n = MathF.Round(xc * Log2E);
        float r = MathF.FusedMultiplyAdd(n, -Ln2Hi, xc);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        float p = MathF.FusedMultiplyAdd(E5, r, E4);
        p = MathF.FusedMultiplyAdd(p, r, E3);
        p = MathF.FusedMultiplyAdd(p, r, E2);
        p = MathF.FusedMultiplyAdd(p, r, E1);
        p = MathF.FusedMultiplyAdd(p, r, E0);
        p = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;
        // 2^n in two halves so that n down to -151 and up to 128 never leaves the normal exponent range.
        int ni = (int)n;
        int n1 = ni >> 1, n2 = ni - n1;
        float y = p * BitConverter.Int32BitsToSingle((n1 + 127) << 23) * BitConverter.Int32BitsToSingle((n2 + 127) << 23);
        return float.IsNaN(x) ? x : y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float ax = MathF.Abs(x);
        float z = x * x;
        float p = MathF.FusedMultiplyAdd(T4, z, T3);
        p = MathF.FusedMultiplyAdd(p, z, T2);
        p = MathF.FusedMultiplyAdd(p, z, T1);
        p = MathF.FusedMultiplyAdd(p, z, T0);
        float small = MathF.FusedMultiplyAdd(p * z, ax, ax);
        float large = 1f - 2f / (Exp(ax + ax) + 1f);
        return MathF.CopySign(ax < TanhSmall ? small : large, x);
    }

    // ---------------------------------------------------------------- Vector512

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var xc = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(ExpMin)), Vector512.Create(ExpMax));
        var n = Vector512.Round(xc * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), xc);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(E5), r, Vector512.Create(E4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E0));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var ni = Vector512.ConvertToInt32Native(n);
        var n1 = Vector512.ShiftRightArithmetic(ni, 1);
        var n2 = ni - n1;
        var bias = Vector512.Create(127);
        var s1 = Vector512.ShiftLeft(n1 + bias, 23).AsSingle();
        var s2 = Vector512.ShiftLeft(n2 + bias, 23).AsSingle();
        var y = p * s1 * s2;
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
        => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var signMask = Vector512.Create(-0f);
        var ax = Vector512.AndNot(x, signMask);
        var z = x * x;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(T4), z, Vector512.Create(T3));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T2));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T1));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(T0));
        var small = Vector512.FusedMultiplyAdd(p * z, ax, ax);
        var large = Vector512<float>.One - Vector512.Create(2f) / (Exp(ax + ax) + Vector512<float>.One);
        var magnitude = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(TanhSmall)), small, large);
        return magnitude | (x & signMask);
    }

    // ---------------------------------------------------------------- Vector256

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var xc = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(ExpMin)), Vector256.Create(ExpMax));
        var n = Vector256.Round(xc * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), xc);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(E5), r, Vector256.Create(E4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E0));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var ni = Vector256.ConvertToInt32Native(n);
        var n1 = Vector256.ShiftRightArithmetic(ni, 1);
        var n2 = ni - n1;
        var bias = Vector256.Create(127);
        var s1 = Vector256.ShiftLeft(n1 + bias, 23).AsSingle();
        var s2 = Vector256.ShiftLeft(n2 + bias, 23).AsSingle();
        var y = p * s1 * s2;
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
        => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var signMask = Vector256.Create(-0f);
        var ax = Vector256.AndNot(x, signMask);
        var z = x * x;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(T4), z, Vector256.Create(T3));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T2));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T1));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(T0));
        var small = Vector256.FusedMultiplyAdd(p * z, ax, ax);
        var large = Vector256<float>.One - Vector256.Create(2f) / (Exp(ax + ax) + Vector256<float>.One);
        var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(TanhSmall)), small, large);
        return magnitude | (x & signMask);
    }

    // ---------------------------------------------------------------- Vector128

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        var xc = Vector128.MinNative(Vector128.MaxNative(x, Vector128.Create(ExpMin)), Vector128.Create(ExpMax));
        var n = Vector128.Round(xc * Vector128.Create(Log2E));
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), xc);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(E5), r, Vector128.Create(E4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(E3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(E2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(E1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(E0));
        p = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128<float>.One;
        var ni = Vector128.ConvertToInt32Native(n);
        var n1 = Vector128.ShiftRightArithmetic(ni, 1);
        var n2 = ni - n1;
        var bias = Vector128.Create(127);
        var s1 = Vector128.ShiftLeft(n1 + bias, 23).AsSingle();
        var s2 = Vector128.ShiftLeft(n2 + bias, 23).AsSingle();
        var y = p * s1 * s2;
        return Vector128.ConditionalSelect(Vector128.Equals(x, x), y, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x)
        => Vector128<float>.One / (Vector128<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        var signMask = Vector128.Create(-0f);
        var ax = Vector128.AndNot(x, signMask);
        var z = x * x;
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(T4), z, Vector128.Create(T3));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(T2));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(T1));
        p = Vector128.FusedMultiplyAdd(p, z, Vector128.Create(T0));
        var small = Vector128.FusedMultiplyAdd(p * z, ax, ax);
        var large = Vector128<float>.One - Vector128.Create(2f) / (Exp(ax + ax) + Vector128<float>.One);
        var magnitude = Vector128.ConditionalSelect(Vector128.LessThan(ax, Vector128.Create(TanhSmall)), small, large);
        return magnitude | (x & signMask);
    }
}
