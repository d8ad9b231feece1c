using System.Numerics;
using System.Runtime.CompilerServices;

namespace ModelDsl.Numerics;

/// <summary>
/// Deterministic pseudo-random generator: xoshiro256** (Blackman and Vigna), its 256-bit state
/// expanded from a 64-bit seed by SplitMix64 as the authors recommend.
/// </summary>
/// <remarks>
/// The same seed gives the same sequence on every machine and runtime, so weight initialization,
/// shuffling and sampling are reproducible. Not cryptographically secure.
/// The whole state is the four words of <see cref="GetState"/>: nothing is cached between calls
/// (no spare Gaussian), so a saved state resumes the exact sequence.
/// </remarks>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the generator; every seed, zero included, gives a valid state.</summary>
    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    private Rng(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        _s0 = s0; _s1 = s1; _s2 = s2; _s3 = s3;
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>The next 32 random bits (the high half, the better-mixed one).</summary>
    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>Uniform in [0, 1) on a grid of 2^-24: every value is exactly representable as a float.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform in [0, 1) on a grid of 2^-53.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="exclusiveMax"/>), without modulo bias (Lemire's method).</summary>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveMax);
        uint bound = (uint)exclusiveMax;
        ulong product = (ulong)NextUInt32() * bound;
        uint low = (uint)product;
        if (low < bound)
        {
            // Reject the few products that would over-represent some results.
            uint threshold = (0u - bound) % bound;
            while (low < threshold)
            {
                product = (ulong)NextUInt32() * bound;
                low = (uint)product;
            }
        }
        return (int)(product >> 32);
    }

    /// <summary>Standard normal (mean 0, variance 1) by the Box–Muller transform; uses two uniforms per call.</summary>
    public double NextGaussian()
    {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Permutes <paramref name="values"/> uniformly in place (Fisher–Yates).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>
    /// A generator for an independent stream derived from this generator's current state and
    /// <paramref name="stream"/>. This generator does not advance, so the same state and stream
    /// always give the same child (e.g. one stream per layer for initialization).
    /// </summary>
    public Rng Fork(ulong stream)
    {
        // Hash the whole state with the stream number through SplitMix64, so nearby stream
        // numbers and nearby states still give unrelated children.
        ulong x = _s0 ^ BitOperations.RotateLeft(_s1, 16) ^ BitOperations.RotateLeft(_s2, 32)
                  ^ BitOperations.RotateLeft(_s3, 48);
        ulong mix = SplitMix64(ref x);
        x = mix ^ (stream * 0xD1B54A32D192ED03UL);
        ulong s0 = SplitMix64(ref x);
        ulong s1 = SplitMix64(ref x);
        ulong s2 = SplitMix64(ref x);
        ulong s3 = SplitMix64(ref x);
        return new Rng(s0, s1, s2, s3);
    }

    /// <summary>The four state words, to save with a checkpoint.</summary>
    public ulong[] GetState() => [_s0, _s1, _s2, _s3];

    /// <summary>Restores a state from <see cref="GetState"/>; the sequence continues exactly where it was saved.</summary>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4)
            throw new ArgumentException($"An Rng state has 4 words, got {state.Length}.", nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
            throw new ArgumentException("The all-zero state is invalid for xoshiro256** (it only ever yields zero).", nameof(state));
        _s0 = state[0]; _s1 = state[1]; _s2 = state[2]; _s3 = state[3];
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
