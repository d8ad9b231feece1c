using System.Runtime.Intrinsics;
using ModelDsl.Cpu;
using Xunit;

namespace ModelDsl.Tests.Cpu;

/// <summary>
/// SimdMath against Math in double. Documented behaviour: relative error ≤ 2e-6 (observed ≈ 3e-7); Exp(x) = +∞ for
/// x ≥ 89 and 0 for x ≤ -105; Sigmoid saturates to exactly 0/1, Tanh to exactly ±1; NaN in → NaN out; the scalar,
/// Vector128, Vector256 and Vector512 versions agree bit for bit.
/// </summary>
public sealed class SimdMathTests
{
    private const double Tolerance = 2e-6;

    private static IEnumerable<float> Sweep(float from, float to, int count)
    {
        for (int i = 0; i <= count; i++) yield return from + (to - from) * i / count;
    }

    private static float[] Near0 =>
        [0f, -0f, 1e-30f, -1e-30f, 1e-7f, -3e-5f, 1e-3f, -0.01f, 0.1f, 0.3f, 0.6249f, 0.625f, -0.625f, 0.6251f, 1f];

    [Fact]
    public void ExpIsAccurateOnItsRange()
    {
        foreach (float x in Sweep(-88f, 88f, 200_000).Concat(Near0).Append(88.7f).Append(-87.3f))
            AssertRelative(Math.Exp(x), SimdMath.Exp(x), x, "Exp");
    }

    [Fact]
    public void SigmoidIsAccurate()
    {
        foreach (float x in Sweep(-80f, 80f, 100_000).Concat(Near0))
            AssertRelative(1.0 / (1.0 + Math.Exp(-(double)x)), SimdMath.Sigmoid(x), x, "Sigmoid");
    }

    [Fact]
    public void TanhIsAccurateIncludingNearZero()
    {
        foreach (float x in Sweep(-20f, 20f, 200_000).Concat(Sweep(-1f, 1f, 20_000)).Concat(Near0))
            AssertRelative(Math.Tanh(x), SimdMath.Tanh(x), x, "Tanh");
    }

    [Fact]
    public void ExtremesSaturateWithoutNaN()
    {
        Assert.Equal(float.PositiveInfinity, SimdMath.Exp(89f));
        Assert.Equal(float.PositiveInfinity, SimdMath.Exp(float.MaxValue));
        Assert.Equal(float.PositiveInfinity, SimdMath.Exp(float.PositiveInfinity));
        Assert.Equal(0f, SimdMath.Exp(-105f));
        Assert.Equal(0f, SimdMath.Exp(float.NegativeInfinity));
        Assert.True(SimdMath.Exp(-100f) > 0f); // subnormal, not flushed
        Assert.Equal(1f, SimdMath.Exp(0f));

        Assert.Equal(1f, SimdMath.Sigmoid(100f));
        Assert.Equal(0f, SimdMath.Sigmoid(-100f));
        Assert.Equal(1f, SimdMath.Sigmoid(float.PositiveInfinity));
        Assert.Equal(0f, SimdMath.Sigmoid(float.NegativeInfinity));
        Assert.Equal(0.5f, SimdMath.Sigmoid(0f));

        Assert.Equal(1f, SimdMath.Tanh(50f));
        Assert.Equal(-1f, SimdMath.Tanh(-50f));
        Assert.Equal(1f, SimdMath.Tanh(float.PositiveInfinity));
        Assert.Equal(-1f, SimdMath.Tanh(float.NegativeInfinity));
        Assert.Equal(1f, SimdMath.Tanh(9.1f));
        Assert.True(float.IsNegative(SimdMath.Tanh(-0f)));

        Assert.True(float.IsNaN(SimdMath.Exp(float.NaN)));
        Assert.True(float.IsNaN(SimdMath.Sigmoid(float.NaN)));
        Assert.True(float.IsNaN(SimdMath.Tanh(float.NaN)));
    }

    [Fact]
    public void VectorVersionsMatchScalarBitForBit()
    {
        var inputs = Sweep(-120f, 120f, 40_000).Concat(Near0).Concat(
            [float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, 88.72f, -103.9f]).ToArray();
        Array.Resize(ref inputs, (inputs.Length + 15) / 16 * 16);
        for (int i = 0; i < inputs.Length; i += 16)
        {
            var v512 = Vector512.Create(inputs.AsSpan(i, 16));
            var v256 = Vector256.Create(inputs.AsSpan(i, 8));
            Compare(SimdMath.Exp(v512), SimdMath.Exp(v256), SimdMath.Exp, i);
            Compare(SimdMath.Sigmoid(v512), SimdMath.Sigmoid(v256), SimdMath.Sigmoid, i);
            Compare(SimdMath.Tanh(v512), SimdMath.Tanh(v256), SimdMath.Tanh, i);
        }
        for (int i = 0; i < inputs.Length; i += 4)
        {
            var v128 = Vector128.Create(inputs.AsSpan(i, 4));
            var (exp, sigmoid, tanh) = (SimdMath.Exp(v128), SimdMath.Sigmoid(v128), SimdMath.Tanh(v128));
            for (int j = 0; j < 4; j++)
            {
                float x = inputs[i + j];
                Assert.True(Same(SimdMath.Exp(x), exp[j]), $"x={x}: scalar Exp {SimdMath.Exp(x)}, Vector128 {exp[j]}");
                Assert.True(Same(SimdMath.Sigmoid(x), sigmoid[j]), $"x={x}: scalar Sigmoid {SimdMath.Sigmoid(x)}, Vector128 {sigmoid[j]}");
                Assert.True(Same(SimdMath.Tanh(x), tanh[j]), $"x={x}: scalar Tanh {SimdMath.Tanh(x)}, Vector128 {tanh[j]}");
            }
        }

        void Compare(Vector512<float> wide, Vector256<float> narrow, Func<float, float> scalar, int at)
        {
            for (int j = 0; j < 16; j++)
            {
                float expected = scalar(inputs[at + j]);
                Assert.True(Same(expected, wide[j]), $"x={inputs[at + j]}: scalar {expected}, Vector512 {wide[j]}");
                if (j < 8) Assert.True(Same(expected, narrow[j]), $"x={inputs[at + j]}: scalar {expected}, Vector256 {narrow[j]}");
            }
        }

        static bool Same(float a, float b) => float.IsNaN(a) ? float.IsNaN(b) : BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b);
    }

    private static void AssertRelative(double expected, float actual, float x, string name)
    {
        double error = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), double.Epsilon);
        if (expected == 0) error = Math.Abs(actual);
        Assert.True(error <= Tolerance, $"{name}({x:R}) = {actual:R}, expected {expected:R} (relative error {error:E2})");
    }
}
