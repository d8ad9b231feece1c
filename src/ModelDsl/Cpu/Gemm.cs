using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace ModelDsl.Cpu;

/// <summary>Which micro-kernel family <see cref="Gemm"/> runs; <see cref="Gemm.BestPath"/> is picked from the hardware.</summary>
internal enum GemmPath { Scalar, Vector256, Vector512, Vector128 }

/// <summary>
/// Single-precision row-major matrix product, blocked in the manner of Goto/BLIS: for each block of at most
/// <see cref="KC"/> k-steps × as many columns as fit L2, B is packed once into NR-wide column strips (shared by all
/// threads, packed in parallel), then the output is split into
/// tasks of one MR-row strip × a run of column strips; each task packs its A strip on the stack and runs the MR×NR
/// register-blocked micro-kernel (8×32 on Vector512, 6×16 on Vector256 and on Vector128) over its column strips.
/// With several threads and at least two column strips per thread, each thread instead runs that whole scheme on its own
/// contiguous range of columns (its own packed slice of B, in its own L2). m = 1 (batch-1 sampling) takes a GEMV path
/// with no packing. <see cref="GemmReference"/> is the oracle.
/// </summary>
[SkipLocalsInit]
public static unsafe partial class Gemm
{
    internal const int KC = 256;              // k-block: a packed A strip (≤ 8 KiB) stays in L1 across a row of tiles
    internal const int PackedBFloats = 1 << 16; // column block: the packed kc×nc B block (256 KiB) stays in L2
    internal const int MaxMR = 8;

    /// <summary>The fastest path this machine supports.</summary>
    internal static readonly GemmPath BestPath =
        // Avx512F alone: where the runtime reports Vector512 as not preferred (down-clocking parts) zmm code still wins for a GEMM.
        Avx512F.IsSupported ? GemmPath.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmPath.Vector256
        // ARM64 (NEON, FMA always there); an x64 without FMA keeps the scalar loop, since emulated fused adds are slower.
        : Vector128.IsHardwareAccelerated && (AdvSimd.IsSupported || Fma.IsSupported) ? GemmPath.Vector128
        : GemmPath.Scalar;

    // Packed B for the calling thread's product (the pool's workers only read it while the caller waits).
    [ThreadStatic] private static float[]? t_packedB;

    /// <summary>
    /// Row-major C[m×n] = alpha·op(A)·op(B) + (accumulate ? C : 0). op(A) is m×k: A is stored m×k (leading dimension lda)
    /// when !transA, k×m when transA; likewise op(B) is k×n, stored k×n or, when transB, n×k. C must not overlap A or B.
    /// <paramref name="pool"/> null means <see cref="WorkerPool.Shared"/>; small products run on the calling thread.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, float alpha = 1f, WorkerPool? pool = null)
        => Multiply(BestPath, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, alpha, pool);

    /// <summary>
    /// As above, with B packed at most once per pass of <paramref name="packCache"/> (see <see cref="GemmPackCache"/>):
    /// the generated code passes its program's cache for parameter operands multiplied at every time step.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, GemmPackCache? packCache)
        => Multiply(BestPath, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, 1f, null, packCache);

    internal static void Multiply(GemmPath path, bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, float alpha, WorkerPool? pool,
        GemmPackCache? packCache = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(lda, Math.Max(1, transA ? m : k));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldb, Math.Max(1, transB ? k : n));
        ArgumentOutOfRangeException.ThrowIfLessThan(ldc, Math.Max(1, n));
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }

        if (path == GemmPath.Scalar)
        {
            MultiplyScalar(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, alpha);
            return;
        }

        pool ??= WorkerPool.Shared;
        // Below ~1 MFLOP the pool's hand-off costs more than the second thread gains.
        bool parallel = pool.ThreadCount > 1 && (long)m * n * k >= 1L << 19;

        if (m == 1 && !(transA && transB))
        {
            Gemv(path, transA, transB, n, k, a, lda, b, ldb, c, accumulate, alpha, parallel ? pool : null);
            return;
        }

        // The GEMV above packs nothing, so the cache only serves the blocked paths.
        float* prepacked = packCache is null ? null : packCache.Get(path, transB, n, k, b, ldb, parallel ? pool : null);
        int nrStrip = path == GemmPath.Vector512 ? 32 : 16;
        int strips = (n + nrStrip - 1) / nrStrip;
        if (parallel && strips >= 2 * pool.ThreadCount)
        {
            // One part per thread measured best (2 per thread: more A packing, no better balance on a loaded host).
            int parts = pool.ThreadCount;
            // Each thread takes a contiguous range of column strips and runs the whole blocked product on it, packing
            // its own slice of B into its own L2: no packing barrier, no B shared across cores, one hand-off per call.
            var split = new ColumnSplitBody
            {
                Path = path, TransA = transA, TransB = transB, M = m, N = n, K = k, A = a, Lda = lda, B = b, Ldb = ldb,
                C = c, Ldc = ldc, Accumulate = accumulate, Alpha = alpha, Parts = parts, Strips = strips, Prepacked = prepacked,
            };
            pool.For(parts, ref split);
            return;
        }
        Blocked(path, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, alpha, parallel ? pool : null, prepacked, 0, n);
    }

    /// <summary>Even k-blocks of at most <see cref="KC"/> (300 = 150 + 150, not 256 + 44), so no block is too shallow to amortise its C update.</summary>
    internal static int KBlock(int k) => (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC);

    /// <summary>Packs all of op(B) (k×n) in <see cref="GemmPackCache"/>'s layout: k-block pc at pc·n̄, strips of the whole width inside.</summary>
    internal static void PackWhole(GemmPath path, bool transB, int n, int k, float* b, int ldb, float* dst, WorkerPool? pool)
    {
        int nr = path == GemmPath.Vector512 ? 32 : 16;
        int strips = (n + nr - 1) / nr;
        int kcMax = KBlock(k);
        for (int pc = 0; pc < k; pc += kcMax)
        {
            var pack = new PackBBody
            {
                Path = path, TransB = transB, B = b, Ldb = ldb, Pc = pc, Kc = Math.Min(kcMax, k - pc), Jc = 0, Nc = n,
                Packed = dst + (long)pc * strips * nr,
            };
            if (pool is not null) pool.For(strips, ref pack);
            else for (int s = 0; s < strips; s++) pack.Execute(s);
        }
    }

    /// <summary>
    /// The packed, cache-blocked product; <paramref name="pool"/> null runs it on the calling thread. With
    /// <paramref name="prepacked"/> (all of op(B), <see cref="PackWhole"/>'s layout, <paramref name="fullN"/> wide) nothing is
    /// packed: these n columns start at column <paramref name="column"/> of it.
    /// </summary>
    private static void Blocked(GemmPath path, bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, float alpha, WorkerPool? pool,
        float* prepacked, int column, int fullN)
    {
        bool parallel = pool is not null;
        int mr = path == GemmPath.Vector512 ? 8 : 6;
        int nrStrip = path == GemmPath.Vector512 ? 32 : 16;
        int threads = parallel ? pool!.ThreadCount : 1;
        int rowStrips = (m + mr - 1) / mr;
        int kcMax = KBlock(k);
        int ncBlock = Math.Max(nrStrip, PackedBFloats / kcMax / nrStrip * nrStrip);
        float* packedB = prepacked is null ? PackedBuffer((long)kcMax * RoundUp(Math.Min(n, ncBlock), nrStrip)) : null;
        long fullPadded = RoundUp(fullN, nrStrip);

        for (int jc = 0; jc < n; jc += ncBlock)
        {
            int nc = Math.Min(ncBlock, n - jc);
            int strips = (nc + nrStrip - 1) / nrStrip;
            // Enough tasks for dynamic balancing (≥ 4 per thread) while keeping each A strip reused across many strips.
            int colChunks = Math.Clamp((4 * threads + rowStrips - 1) / rowStrips, 1, strips);
            int stripsPerChunk = (strips + colChunks - 1) / colChunks;
            colChunks = (strips + stripsPerChunk - 1) / stripsPerChunk;

            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                if (prepacked is not null) packedB = prepacked + pc * fullPadded + (long)(column + jc) * kc;
                var pack = new PackBBody
                {
                    Path = path, TransB = transB, B = b, Ldb = ldb, Pc = pc, Kc = kc, Jc = jc, Nc = nc, Packed = packedB,
                };
                var compute = new ComputeBody
                {
                    Path = path, TransA = transA, M = m, A = a, Lda = lda, Pc = pc, Kc = kc, Nc = nc, Strips = strips,
                    ColChunks = colChunks, StripsPerChunk = stripsPerChunk, Packed = packedB,
                    C = c + jc, Ldc = ldc, Alpha = alpha, Overwrite = pc == 0 && !accumulate,
                };
                if (parallel)
                {
                    if (prepacked is null) pool!.For(strips, ref pack);
                    pool!.For(rowStrips * colChunks, ref compute);
                }
                else
                {
                    if (prepacked is null) for (int s = 0; s < strips; s++) pack.Execute(s);
                    for (int t = 0; t < rowStrips * colChunks; t++) compute.Execute(t);
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>A pinned, 64-byte aligned per-thread buffer of at least <paramref name="floats"/>, grown rarely and kept.</summary>
    private static float* PackedBuffer(long floats)
    {
        var buffer = t_packedB;
        if (buffer is null || buffer.Length < floats + 16)
        {
            long size = Math.Max(floats + 16, (buffer?.Length ?? 0) * 2L);
            t_packedB = buffer = GC.AllocateUninitializedArray<float>(checked((int)size), pinned: true);
        }
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }

    /// <summary>Part t of <see cref="Parts"/>: the blocked product on one contiguous range of column strips.</summary>
    private struct ColumnSplitBody : IParallelBody
    {
        public GemmPath Path;
        public bool TransA, TransB, Accumulate;
        public int M, N, K, Lda, Ldb, Ldc, Parts, Strips;
        public float* A, B, C, Prepacked;
        public float Alpha;

        public void Execute(int part)
        {
            int nr = Path == GemmPath.Vector512 ? 32 : 16;
            int j0 = Strips * part / Parts * nr, j1 = Math.Min(N, Strips * (part + 1) / Parts * nr);
            if (j1 <= j0) return;
            float* b = TransB ? B + (long)j0 * Ldb : B + j0;
            Blocked(Path, TransA, TransB, M, j1 - j0, K, A, Lda, b, Ldb, C + j0, Ldc, Accumulate, Alpha, pool: null, Prepacked, j0, N);
        }
    }

    /// <summary>Packs B rows [pc, pc+kc) × columns [jc, jc+nc) into NR-wide strips, strip s at Packed + s·kc·NR, row-major inside.</summary>
    private struct PackBBody : IParallelBody
    {
        public GemmPath Path;
        public bool TransB;
        public float* B;
        public int Ldb, Pc, Kc, Jc, Nc;
        public float* Packed;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int s)
        {
            int nr = Path == GemmPath.Vector512 ? 32 : 16;
            int j0 = s * nr;
            int width = Math.Min(nr, Nc - j0);
            float* dst = Packed + (long)s * Kc * nr;
            if (TransB) PackBTransposed(B + (long)(Jc + j0) * Ldb + Pc, Ldb, Kc, width, nr, dst);
            else PackBRows(B + (long)Pc * Ldb + Jc + j0, Ldb, Kc, width, nr, dst);
        }
    }

    /// <summary>One MR-row strip of C × a run of column strips, for one k-block.</summary>
    private struct ComputeBody : IParallelBody
    {
        public GemmPath Path;
        public bool TransA;
        public int M;
        public float* A;
        public int Lda, Pc, Kc, Nc, Strips, ColChunks, StripsPerChunk;
        public float* Packed;
        public float* C;
        public int Ldc;
        public float Alpha;
        public bool Overwrite;

        [SkipLocalsInit, MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task)
        {
            int mrFull = Path == GemmPath.Vector512 ? 8 : 6;
            int nrFull = Path == GemmPath.Vector512 ? 32 : 16;
            int rowStrip = task / ColChunks, chunk = task % ColChunks;
            int i0 = rowStrip * mrFull;
            int mr = Math.Min(mrFull, M - i0);
            int s0 = chunk * StripsPerChunk, s1 = Math.Min(Strips, s0 + StripsPerChunk);
            float* packedA = stackalloc float[MaxMR * KC + 8];
            float* aStrip = packedA;
            nint aRow = 1, aStep = mrFull;
            if (mr == mrFull && s1 - s0 <= 4)
            {
                // Too few tiles to amortise packing (a narrow op(B)): read the strip in place.
                aStrip = TransA ? A + (long)Pc * Lda + i0 : A + (long)i0 * Lda + Pc;
                aRow = TransA ? 1 : Lda;
                aStep = TransA ? Lda : 1;
            }
            else if (TransA) PackAColumns(A + (long)Pc * Lda + i0, Lda, Kc, mr, mrFull, packedA, canReadEight: i0 + 8 <= M);
            else PackARows(A + (long)i0 * Lda + Pc, Lda, Kc, mr, mrFull, packedA);

            float* cRow = C + (long)i0 * Ldc;
            for (int s = s0; s < s1; s++)
            {
                int j0 = s * nrFull;
                int nr = Math.Min(nrFull, Nc - j0);
                float* bStrip = Packed + (long)s * Kc * nrFull;
                if (Path == GemmPath.Vector512) Kernel8x32(Kc, aStrip, aRow, aStep, bStrip, cRow + j0, Ldc, mr, nr, Alpha, Overwrite);
                else if (Path == GemmPath.Vector128) Kernel6x16x128(Kc, aStrip, aRow, aStep, bStrip, cRow + j0, Ldc, mr, nr, Alpha, Overwrite);
                else Kernel6x16(Kc, aStrip, aRow, aStep, bStrip, cRow + j0, Ldc, mr, nr, Alpha, Overwrite);
            }
        }
    }

    /// <summary>The no-SIMD fallback: a float dot product per output element.</summary>
    private static void MultiplyScalar(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, float alpha)
    {
        long aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
        long bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                float* ap = a + i * aRow;
                float* bp = b + j * bCol;
                for (int p = 0; p < k; p++) sum += ap[p * aCol] * bp[p * bRow];
                float* cij = c + (long)i * ldc + j;
                *cij = accumulate ? *cij + alpha * sum : alpha * sum;
            }
        }
    }

    /// <summary>Achieved GFLOP/s of <see cref="Multiply"/> on fresh random operands, best of <paramref name="repeats"/> timed batches.</summary>
    public static double MeasureGflops(bool transA, bool transB, int m, int n, int k, WorkerPool? pool = null, int repeats = 5)
    {
        var a = GC.AllocateUninitializedArray<float>(m * k, pinned: true);
        var b = GC.AllocateUninitializedArray<float>(k * n, pinned: true);
        var c = GC.AllocateUninitializedArray<float>(m * n, pinned: true);
        var random = new Random(1);
        for (int i = 0; i < a.Length; i++) a[i] = random.NextSingle() - 0.5f;
        for (int i = 0; i < b.Length; i++) b[i] = random.NextSingle() - 0.5f;
        double flops = 2.0 * m * n * k;
        int iterations = (int)Math.Clamp(2e8 / flops, 1, 100_000);
        double best = double.MaxValue;
        fixed (float* pa = a, pb = b, pc = c)
        {
            int lda = transA ? m : k, ldb = transB ? k : n;
            // Warm up for ~0.2 s so every method involved has reached its final tier.
            long warm = System.Diagnostics.Stopwatch.GetTimestamp();
            while (System.Diagnostics.Stopwatch.GetElapsedTime(warm).TotalSeconds < 0.2)
                Multiply(transA, transB, m, n, k, pa, lda, pb, ldb, pc, n, accumulate: false, 1f, pool);
            for (int r = 0; r < repeats + 1; r++)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                for (int it = 0; it < iterations; it++)
                    Multiply(transA, transB, m, n, k, pa, lda, pb, ldb, pc, n, accumulate: false, 1f, pool);
                double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds / iterations;
                if (r > 0) best = Math.Min(best, seconds);
            }
        }
        return flops / best / 1e9;
    }
}
