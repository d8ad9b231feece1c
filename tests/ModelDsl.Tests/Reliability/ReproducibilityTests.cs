using System.Security.Cryptography;
using ModelDsl.Data;
using ModelDsl.Tests.Models;
using ModelDsl.Training;

namespace ModelDsl.Tests.Reliability;

/// <summary>
/// Reproducibility: the same seed gives bit-identical weights after N steps on the CPU backend for a fixed thread count
/// (initialisation, shuffling and dropout masks all come from streams forked from the seed).
/// </summary>
public sealed class ReproducibilityTests
{
    private static WindowDataset Data()
    {
        var rng = new Numerics.Rng(51);
        var ids = new int[200];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(9);
        return new WindowDataset(ids, 4, 1);
    }

    /// <summary>SHA-256 of the weights' bits after 3 epochs × 6 steps with dropout, shuffling and clipping.</summary>
    internal static string TrainedWeightsHash(ulong seed)
    {
        using var model = new TinyStack(new ModelOptions { Seed = seed });
        model.Fit(Data(), new FitOptions { Epochs = 3, BatchSize = 16, StepsPerEpoch = 6, Optimizer = new Adam(0.01f), ClipNorm = 1f });
        return Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(model.Parameters)));
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_weights_with_dropout_and_shuffling()
    {
        string a = TrainedWeightsHash(61);
        Assert.Equal(a, TrainedWeightsHash(61));
        Assert.NotEqual(a, TrainedWeightsHash(62));
    }

    [Fact]
    public void The_same_seed_gives_the_same_samples()
    {
        using var a = new TinyCharLstm(vocabulary: 6, new ModelOptions { Seed = 63 });
        using var b = new TinyCharLstm(vocabulary: 6, new ModelOptions { Seed = 63 });
        Assert.Equal(a.Generate([1, 2, 3], 30, 0.8f), b.Generate([1, 2, 3], 30, 0.8f));
    }
}
