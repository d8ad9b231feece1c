using ModelDsl.Numerics;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class RngTests
{
    [Fact]
    public void MatchesTheReferenceXoshiro256StarStarSeededBySplitMix64()
    {
        // Reference values from the published C algorithms (SplitMix64 seeding of xoshiro256**), seed 42.
        var rng = new Rng(42);
        Assert.Equal(0x15780b2e0c2ec716UL, rng.NextUInt64());
        Assert.Equal(0x6104d9866d113a7eUL, rng.NextUInt64());
        Assert.Equal(0xae17533239e499a1UL, rng.NextUInt64());
    }

    [Fact]
    public void SameSeedSameSequenceDifferentSeedDifferentSequence()
    {
        var a = new Rng(7);
        var b = new Rng(7);
        var c = new Rng(8);
        int differences = 0;
        for (int i = 0; i < 100; i++)
        {
            ulong x = a.NextUInt64();
            Assert.Equal(x, b.NextUInt64());
            if (x != c.NextUInt64()) differences++;
        }
        Assert.Equal(100, differences);
    }

    [Fact]
    public void UniformsStayInTheUnitIntervalWithMeanOneHalf()
    {
        var rng = new Rng(1);
        double floatSum = 0, doubleSum = 0;
        const int draws = 100_000;
        for (int i = 0; i < draws; i++)
        {
            float f = rng.NextFloat();
            double d = rng.NextDouble();
            Assert.InRange(f, 0f, 1f);
            Assert.True(f < 1f);
            Assert.InRange(d, 0.0, 1.0);
            Assert.True(d < 1.0);
            floatSum += f;
            doubleSum += d;
        }
        Assert.InRange(floatSum / draws, 0.495, 0.505);
        Assert.InRange(doubleSum / draws, 0.495, 0.505);
    }

    [Fact]
    public void NextIntIsInRangeAndRoughlyUniform()
    {
        var rng = new Rng(2);
        var counts = new int[7];
        const int draws = 70_000;
        for (int i = 0; i < draws; i++) counts[rng.NextInt(7)]++;
        foreach (int count in counts) Assert.InRange(count, 9_500, 10_500);
        Assert.Equal(0, rng.NextInt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(-3));
        for (int i = 0; i < 1000; i++) Assert.InRange(rng.NextInt(int.MaxValue), 0, int.MaxValue - 1);
    }

    [Fact]
    public void GaussianHasMeanZeroAndUnitVariance()
    {
        var rng = new Rng(3);
        double sum = 0, sumSquares = 0;
        const int draws = 100_000;
        for (int i = 0; i < draws; i++)
        {
            double x = rng.NextGaussian();
            Assert.True(double.IsFinite(x));
            sum += x;
            sumSquares += x * x;
        }
        double mean = sum / draws;
        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange(sumSquares / draws - mean * mean, 0.97, 1.03);
    }

    [Fact]
    public void ShuffleIsADeterministicUniformPermutation()
    {
        var rng = new Rng(4);
        var counts = new Dictionary<string, int>();
        for (int trial = 0; trial < 6000; trial++)
        {
            Span<int> values = [0, 1, 2];
            rng.Shuffle(values);
            string key = string.Join(",", values.ToArray());
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(6, counts.Count);
        foreach (int count in counts.Values) Assert.InRange(count, 850, 1150);

        int[] first = Enumerable.Range(0, 50).ToArray();
        int[] second = Enumerable.Range(0, 50).ToArray();
        new Rng(5).Shuffle(first);
        new Rng(5).Shuffle(second);
        Assert.Equal(first, second);
        Assert.Equal(Enumerable.Range(0, 50), first.Order());
    }

    [Fact]
    public void ForkIsDeterministicIndependentAndLeavesTheParentAlone()
    {
        var parent = new Rng(9);
        ulong[] before = parent.GetState();
        var childA = parent.Fork(1);
        var childAAgain = parent.Fork(1);
        var childB = parent.Fork(2);
        Assert.Equal(before, parent.GetState());

        var reference = new Rng(9);
        for (int i = 0; i < 20; i++)
        {
            ulong a = childA.NextUInt64();
            Assert.Equal(a, childAAgain.NextUInt64());
            Assert.NotEqual(a, childB.NextUInt64());
            Assert.NotEqual(a, reference.NextUInt64());
        }
    }

    [Fact]
    public void SavedStateResumesTheExactSequence()
    {
        var rng = new Rng(11);
        for (int i = 0; i < 5; i++) rng.NextGaussian();
        ulong[] state = rng.GetState();
        double[] expected = [rng.NextGaussian(), rng.NextDouble(), rng.NextInt(1000)];

        var restored = new Rng(0);
        restored.SetState(state);
        Assert.Equal(expected, new double[] { restored.NextGaussian(), restored.NextDouble(), restored.NextInt(1000) });

        Assert.Throws<ArgumentException>(() => restored.SetState(new ulong[3]));
        Assert.Throws<ArgumentException>(() => restored.SetState(new ulong[4]));
    }

    [Fact]
    public void DrawingAndShufflingAllocateNothing()
    {
        var rng = new Rng(12);
        var values = Enumerable.Range(0, 64).ToArray();
        void Work()
        {
            for (int i = 0; i < 1000; i++)
            {
                rng.NextUInt64(); rng.NextUInt32(); rng.NextFloat(); rng.NextDouble(); rng.NextInt(17); rng.NextGaussian();
            }
            rng.Shuffle(values);
        }
        Work(); // JIT warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Work();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
