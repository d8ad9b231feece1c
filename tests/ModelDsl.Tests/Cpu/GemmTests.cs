using ModelDsl.Cpu;
using Xunit;

namespace ModelDsl.Tests.Cpu;

public sealed unsafe class GemmTests : IDisposable
{
    private readonly WorkerPool _twoThreads = new(2);

    public void Dispose() => _twoThreads.Dispose();

    // Every path runs on every machine: where a width is not accelerated the runtime emulates it in
    // software, slowly but exactly, so the 8×32 kernel is checked here even where it would never be picked.
    public static IEnumerable<object[]> Paths() =>
        [[(int)GemmPath.Scalar], [(int)GemmPath.Vector128], [(int)GemmPath.Vector256], [(int)GemmPath.Vector512]];

    // (m, n, k): odd edges in every dimension, m = 1 (GEMV), k beyond one k-block (KC = 256), the model's shapes.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 3, 17), (3, 1, 5), (1, 130, 65), (1, 512, 128), (3, 17, 33), (17, 33, 65), (33, 65, 17),
        (65, 130, 3), (130, 33, 1), (8, 32, 256), (9, 33, 257), (6, 16, 300), (7, 57, 130), (64, 130, 520),
        (5, 600, 300), // several column blocks: a 256-deep k-block packs at most 256 columns of B
        (150, 40, 20), (290, 33, 9), (300, 200, 70), // more rows than one packed A block (Gemm.MC), partial last strips, A in place and packed
        (1, 57, 128), (1, 199, 7), (1, 7, 300), (1, 1030, 520), // GEMV: row streaming, 64/32/8-column blocks, 4-row dots, scalar tails; 1030×520 runs as parallel column tasks
    ];

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatchesReferenceOnEveryTransposeAndShape(int pathIndex)
    {
        var path = (GemmPath)pathIndex;
        int seed = 0;
        foreach (var (m, n, k) in Shapes)
            for (int t = 0; t < 4; t++)
            {
                bool transA = (t & 1) != 0, transB = (t & 2) != 0;
                CheckAgainstReference(path, transA, transB, m, n, k, pad: 0, accumulate: false, alpha: 1f, _twoThreads, seed++);
                CheckAgainstReference(path, transA, transB, m, n, k, pad: 3, accumulate: true, alpha: -0.75f, _twoThreads, seed++);
            }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SingleThreadedPoolGivesTheSameResults(int pathIndex)
    {
        var path = (GemmPath)pathIndex;
        using var pool = new WorkerPool(1);
        for (int t = 0; t < 4; t++)
            CheckAgainstReference(path, (t & 1) != 0, (t & 2) != 0, 65, 130, 300, pad: 5, accumulate: t % 2 == 0, alpha: 2f, pool, t);
    }

    [Theory]
    [InlineData(false, false, 128, 512, 128)]
    [InlineData(false, true, 128, 128, 512)]
    [InlineData(true, false, 128, 160, 600)]
    [InlineData(false, false, 128, 57, 128)]
    [InlineData(false, false, 1000, 64, 57)]
    [InlineData(false, true, 1, 512, 128)]
    [InlineData(true, false, 1, 512, 128)]
    [InlineData(false, false, 3, 20000, 5)]  // more than one column block even for a shallow k
    public void MatchesReferenceOnModelShapes(bool transA, bool transB, int m, int n, int k)
    {
        CheckAgainstReference(Gemm.BestPath, transA, transB, m, n, k, pad: 1, accumulate: true, alpha: 0.5f, _twoThreads, 7);
    }

    [Theory]
    [InlineData(false, false, 128, 512, 128)] // h·U: the column split, each thread reading its slice of the cached copy
    [InlineData(false, true, 128, 128, 512)]  // dz·Uᵀ: two k-blocks
    [InlineData(false, false, 7, 600, 300)]   // several column blocks of a k-block, one thread
    [InlineData(false, true, 9, 57, 130)]     // edges in every dimension
    public void PackCacheReusesACopyWithinAPassAndRepacksAfterBeginPass(bool transA, bool transB, int m, int n, int k)
    {
        foreach (var path in new[] { GemmPath.Vector128, GemmPath.Vector256, GemmPath.Vector512 })
        {
            var cache = new GemmPackCache();
            int lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 2, ldc = n + 3;
            var a = PinnedBuffer<float>.Random((transA ? k : m) * lda, 1);
            var b = PinnedBuffer<float>.Random((transB ? n : k) * ldb, 2);
            var c = new PinnedBuffer<float>(m * ldc);
            var expected = new PinnedBuffer<float>(m * ldc);

            void CheckProduct(string when)
            {
                Gemm.Multiply(path, transA, transB, m, n, k, a.Pointer, lda, b.Pointer, ldb, c.Pointer, ldc, false, 1f, _twoThreads, cache);
                GemmReference.Multiply(transA, transB, m, n, k, a.Pointer, lda, b.Pointer, ldb, expected.Pointer, ldc, false, 1f);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                        Assert.True(Math.Abs(c.Array[i * ldc + j] - expected.Array[i * ldc + j]) <= 1e-4f * (1 + Math.Abs(expected.Array[i * ldc + j])),
                            $"{path} {when}: C[{i},{j}] = {c.Array[i * ldc + j]}, expected {expected.Array[i * ldc + j]}");
            }

            CheckProduct("first call");
            Assert.Equal(1, cache.PackCount);
            CheckProduct("second call in the same pass");
            Assert.Equal(1, cache.PackCount);

            // The weights change between passes (an optimizer step): the next pass must see the new values.
            for (int i = 0; i < b.Array.Length; i++) b.Array[i] = -0.5f * b.Array[i] + 0.25f;
            cache.BeginPass();
            CheckProduct("after the operand changed and a new pass began");
            Assert.Equal(2, cache.PackCount);
            GC.KeepAlive(a);
            GC.KeepAlive(b);
        }
    }

    [Fact]
    public void ZeroInnerDimensionClearsOrKeepsC()
    {
        var c = PinnedBuffer<float>.Random(6, 1);
        var kept = (float[])c.Array.Clone();
        Gemm.Multiply(false, false, 2, 3, 0, null, 1, null, 3, c.Pointer, 3, accumulate: true);
        Assert.Equal(kept, c.Array);
        Gemm.Multiply(false, false, 2, 3, 0, null, 1, null, 3, c.Pointer, 3, accumulate: false);
        Assert.All(c.Array, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void WarmProductAllocatesNothing()
    {
        var a = PinnedBuffer<float>.Random(128 * 128, 1);
        var b = PinnedBuffer<float>.Random(128 * 512, 2);
        var c = new PinnedBuffer<float>(128 * 512);
        var d = new PinnedBuffer<float>(512);
        for (int i = 0; i < 3; i++) Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Run()
        {
            Gemm.Multiply(false, false, 128, 512, 128, a.Pointer, 128, b.Pointer, 512, c.Pointer, 512, false, 1f, _twoThreads);
            Gemm.Multiply(true, false, 128, 512, 128, a.Pointer, 128, b.Pointer, 512, c.Pointer, 512, true, 1f, _twoThreads);
            Gemm.Multiply(false, true, 128, 128, 512, c.Pointer, 512, b.Pointer, 512, a.Pointer, 128, false, 1f, _twoThreads);
            Gemm.Multiply(false, false, 1, 512, 128, a.Pointer, 128, b.Pointer, 512, d.Pointer, 512, false, 1f, _twoThreads);
        }
    }

    /// <summary>
    /// Compares with <see cref="GemmReference"/> element by element, within 1e-5 of the element's magnitude
    /// |alpha|·Σ|a||b| + |c₀|, and checks that the padding columns of C (leading dimension beyond n) are untouched.
    /// </summary>
    private static void CheckAgainstReference(GemmPath path, bool transA, bool transB, int m, int n, int k, int pad,
        bool accumulate, float alpha, WorkerPool pool, int seed)
    {
        int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
        var a = PinnedBuffer<float>.Random((transA ? k : m) * lda, seed * 3 + 1);
        var b = PinnedBuffer<float>.Random((transB ? n : k) * ldb, seed * 3 + 2);
        var c = PinnedBuffer<float>.Random(m * ldc, seed * 3 + 3);
        var expected = new PinnedBuffer<float>(m * ldc);
        var magnitude = new PinnedBuffer<float>(m * ldc);
        c.Array.CopyTo(expected.Array, 0);
        for (int i = 0; i < c.Array.Length; i++) magnitude.Array[i] = Math.Abs(c.Array[i]);
        var absA = Abs(a);
        var absB = Abs(b);

        Gemm.Multiply(path, transA, transB, m, n, k, a.Pointer, lda, b.Pointer, ldb, c.Pointer, ldc, accumulate, alpha, pool);
        GemmReference.Multiply(transA, transB, m, n, k, a.Pointer, lda, b.Pointer, ldb, expected.Pointer, ldc, accumulate, alpha);
        GemmReference.Multiply(transA, transB, m, n, k, absA.Pointer, lda, absB.Pointer, ldb, magnitude.Pointer, ldc, accumulate, Math.Abs(alpha));

        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                int at = i * ldc + j;
                float tolerance = j < n ? 1e-5f * magnitude.Array[at] + 1e-30f : 0f;
                float error = Math.Abs(c.Array[at] - expected.Array[at]);
                Assert.True(error <= tolerance,
                    $"{path} transA={transA} transB={transB} {m}x{n}x{k} acc={accumulate}: C[{i},{j}] = {c.Array[at]}, expected {expected.Array[at]}");
            }
        // The kernels only see pointers: the arrays must outlive every call (a pinned array is still collectable).
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        GC.KeepAlive(absA);
        GC.KeepAlive(absB);
    }

    private static PinnedBuffer<float> Abs(PinnedBuffer<float> x)
    {
        var y = new PinnedBuffer<float>(x.Array.Length);
        for (int i = 0; i < y.Array.Length; i++) y.Array[i] = Math.Abs(x.Array[i]);
        return y;
    }
}
