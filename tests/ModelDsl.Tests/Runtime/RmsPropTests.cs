using ModelDsl.Training;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class RmsPropTests
{
    [Fact]
    public void StepsMatchTheKerasFormulaInDoublePrecision()
    {
        const double lr = 0.01, rho = 0.9, eps = 1e-7;
        var optimizer = new RmsProp(learningRate: 0.01f);
        Assert.Equal(1, optimizer.StateSlots);
        Assert.Equal("rmsprop", optimizer.Name);

        float[] parameters = OptimizerReference.Values(1, 1f);
        var state = new float[optimizer.StateLength(parameters.Length)];
        double[] p = OptimizerReference.ToDouble(parameters);
        var v = new double[p.Length];

        for (int step = 1; step <= 4; step++)
        {
            float[] gradients = OptimizerReference.Values(100 + step, 0.5f);
            optimizer.Step(parameters, gradients, state, step);
            for (int i = 0; i < p.Length; i++)
            {
                double g = gradients[i];
                v[i] = rho * v[i] + (1 - rho) * g * g;
                p[i] -= lr * g / Math.Sqrt(v[i] + eps);
            }
            OptimizerReference.AssertClose(p, parameters);
            OptimizerReference.AssertClose(v, state);
        }
    }

    [Fact]
    public void EpsilonIsInsideTheSquareRootAsInKeras()
    {
        // A tiny gradient tells the two placements apart: lr·g/√(v+ε) vs lr·g/(√v+ε).
        var optimizer = new RmsProp(learningRate: 1f, rho: 0f, epsilon: 1e-4f);
        float[] parameters = [0f];
        optimizer.Step(parameters, [1e-3f], new float[1], 1);
        Assert.Equal(-1e-3 / Math.Sqrt(1e-6 + 1e-4), parameters[0], 1e-6);
    }

    [Fact]
    public void RejectsMismatchedBuffersAndSteps()
    {
        var optimizer = new RmsProp();
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[3], new float[2], new float[3], 1));
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[3], new float[3], new float[2], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.Step(new float[3], new float[3], new float[3], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = float.NaN);
    }

    [Fact]
    public void StepAllocatesNothing()
    {
        var optimizer = new RmsProp();
        var parameters = new float[1000];
        var gradients = Enumerable.Range(0, 1000).Select(i => i * 1e-3f).ToArray();
        var state = new float[1000];
        optimizer.Step(parameters, gradients, state, 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        optimizer.Step(parameters, gradients, state, 2);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
