namespace ModelDsl.Tests.Runtime;

/// <summary>Pearson's goodness-of-fit statistic and the chi-square quantile it is compared with.</summary>
internal static class ChiSquare
{
    /// <summary>Σ (observed − expected)² / expected over categories with positive probability.</summary>
    public static double Statistic(int[] counts, double[] probabilities)
    {
        double total = counts.Sum();
        double statistic = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (probabilities[i] <= 0) continue;
            double expected = total * probabilities[i];
            statistic += (counts[i] - expected) * (counts[i] - expected) / expected;
        }
        return statistic;
    }

    /// <summary>The x with P(χ²_df ≤ x) = <paramref name="probability"/>, by bisection on the CDF.</summary>
    public static double Quantile(int degreesOfFreedom, double probability)
    {
        double low = 0, high = 10.0 * degreesOfFreedom + 100;
        for (int i = 0; i < 200; i++)
        {
            double middle = (low + high) / 2;
            if (Cdf(degreesOfFreedom, middle) < probability) low = middle; else high = middle;
        }
        return (low + high) / 2;
    }

    /// <summary>P(χ²_df ≤ x) = P(df/2, x/2), the regularized lower incomplete gamma function, by its power series.</summary>
    public static double Cdf(int degreesOfFreedom, double x)
    {
        if (x <= 0) return 0;
        double a = degreesOfFreedom / 2.0, z = x / 2;
        double term = 1 / a, sum = term;
        for (int n = 1; n < 10_000 && term > sum * 1e-17; n++)
        {
            term *= z / (a + n);
            sum += term;
        }
        return Math.Exp(-z + a * Math.Log(z) - LogGammaOfHalfInteger(a)) * sum;
    }

    // Γ(1) = 1, Γ(1/2) = √π and Γ(a + 1) = a·Γ(a) give Γ exactly at the half-integers a chi-square needs.
    private static double LogGammaOfHalfInteger(double a)
    {
        double log = a % 1 == 0 ? 0 : 0.5 * Math.Log(Math.PI);
        for (double k = a % 1 == 0 ? 1 : 0.5; k < a; k++) log += Math.Log(k);
        return log;
    }
}
