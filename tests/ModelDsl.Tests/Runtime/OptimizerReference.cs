namespace ModelDsl.Tests.Runtime;

/// <summary>Shared data and comparison for the optimizer tests, whose oracles are double-precision formulas.</summary>
internal static class OptimizerReference
{
    // 37 = two 16-wide vectors + a 5-element tail (and four 8-wide + 5): every code path runs.
    public const int ParameterCount = 37;

    public static float[] Values(int seed, float scale)
    {
        var rng = new ModelDsl.Numerics.Rng((ulong)seed);
        var values = new float[ParameterCount];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextGaussian() * scale);
        return values;
    }

    public static void AssertClose(double[] expected, ReadOnlySpan<float> actual, double tolerance = 1e-5)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            Xunit.Assert.True(error <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"index {i}: expected {expected[i]}, got {actual[i]} (error {error})");
        }
    }

    public static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();
}
