using ModelDsl.Training;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class GradientClippingTests
{
    [Fact]
    public void LargeGradientsAreScaledToTheMaximumNorm()
    {
        float[] gradients = [3f, 4f];
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(gradients, 1f));
        Assert.Equal(0.6f, gradients[0], 1e-6f);
        Assert.Equal(0.8f, gradients[1], 1e-6f);
    }

    [Fact]
    public void ClippedNormEqualsTheMaximumOverManyValues()
    {
        float[] gradients = OptimizerReference.Values(5, 10f);
        double before = Math.Sqrt(gradients.Sum(g => (double)g * g));
        float[] original = (float[])gradients.Clone();
        Assert.Equal(before, GradientClipping.ClipByGlobalNorm(gradients, 2f), 1e-4);
        Assert.Equal(2.0, Math.Sqrt(gradients.Sum(g => (double)g * g)), 1e-5);
        // Direction is kept.
        for (int i = 0; i < gradients.Length; i++) Assert.Equal(original[i] * 2.0 / before, gradients[i], 1e-5);
    }

    [Fact]
    public void SmallGradientsAreUnchanged()
    {
        float[] gradients = [0.3f, -0.4f];
        Assert.Equal(0.5f, GradientClipping.ClipByGlobalNorm(gradients, 1f), 1e-6f);
        Assert.Equal([0.3f, -0.4f], gradients);
    }

    [Fact]
    public void NonFiniteNormIsReportedAndGradientsLeftAlone()
    {
        float[] gradients = [float.NaN, 1f];
        Assert.True(float.IsNaN(GradientClipping.ClipByGlobalNorm(gradients, 1f)));
        Assert.Equal(1f, gradients[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm(gradients, 0f));
    }
}
