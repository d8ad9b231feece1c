using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelDsl.Cpu;

public static unsafe partial class Gemm
{
    // Packed A strip: kc columns of `mrFull` floats (rows i0..i0+mr, zero below mr). Packed B strip: kc rows of `nrFull`
    // floats (zero right of width). Zero padding lets the micro-kernel always run full tiles.

    /// <summary>A stored m×k (row i at a + i·lda): gather mr rows into columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackARows(float* a, int lda, int kc, int mr, int mrFull, float* dst)
    {
        if (mr < mrFull) new Span<float>(dst, kc * mrFull).Clear();
        for (int i = 0; i < mr; i++)
        {
            float* row = a + (long)i * lda;
            float* d = dst + i;
            int p = 0;
            for (; p + 4 <= kc; p += 4)
            {
                d[0] = row[p];
                d[mrFull] = row[p + 1];
                d[2 * mrFull] = row[p + 2];
                d[3 * mrFull] = row[p + 3];
                d += 4 * mrFull;
            }
            for (; p < kc; p++, d += mrFull) *d = row[p];
        }
    }

    /// <summary>
    /// A stored k×m (op(A) row i is column i): each k step is already mr contiguous floats. <paramref name="canReadEight"/>
    /// says that 8 floats from each step's start stay inside the row, so a 6-row strip may move them as one vector
    /// (the 2 extra floats land where the next step is written next; the buffer has room for the last one).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackAColumns(float* a, int lda, int kc, int mr, int mrFull, float* dst, bool canReadEight)
    {
        if (mr == mrFull && (mr == 8 || (mr == 6 && canReadEight)))
        {
            for (int p = 0; p < kc; p++) Vector256.Store(Vector256.Load(a + (long)p * lda), dst + p * mr);
            return;
        }
        for (int p = 0; p < kc; p++)
        {
            float* src = a + (long)p * lda;
            float* d = dst + p * mrFull;
            int i = 0;
            for (; i < mr; i++) d[i] = src[i];
            for (; i < mrFull; i++) d[i] = 0f;
        }
    }

    /// <summary>B stored k×n: each k step is `width` contiguous floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBRows(float* b, int ldb, int kc, int width, int nrFull, float* dst)
    {
        if (width == nrFull && nrFull == 32)
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)p * ldb;
                Vector512.Store(Vector512.Load(src), dst);
                Vector512.Store(Vector512.Load(src + 16), dst + 16);
                dst += 32;
            }
            return;
        }
        if (width == nrFull && nrFull == 16)
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)p * ldb;
                Vector256.Store(Vector256.Load(src), dst);
                Vector256.Store(Vector256.Load(src + 8), dst + 8);
                dst += 16;
            }
            return;
        }
        for (int p = 0; p < kc; p++)
        {
            float* src = b + (long)p * ldb;
            int j = 0;
            for (; j < width; j++) dst[j] = src[j];
            for (; j < nrFull; j++) dst[j] = 0f;
            dst += nrFull;
        }
    }

    /// <summary>B stored n×k (op(B) column j is row j): transpose `width` rows into the strip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposed(float* b, int ldb, int kc, int width, int nrFull, float* dst)
    {
        if (width < nrFull) new Span<float>(dst, kc * nrFull).Clear();
        int j = 0;
        // Four source rows at a time: four read streams, each destination line written four floats at once.
        for (; j + 4 <= width; j += 4)
        {
            float* r0 = b + (long)j * ldb, r1 = r0 + ldb, r2 = r1 + ldb, r3 = r2 + ldb;
            float* d = dst + j;
            for (int p = 0; p < kc; p++, d += nrFull)
            {
                d[0] = r0[p];
                d[1] = r1[p];
                d[2] = r2[p];
                d[3] = r3[p];
            }
        }
        for (; j < width; j++)
        {
            float* row = b + (long)j * ldb;
            float* d = dst + j;
            for (int p = 0; p < kc; p++, d += nrFull) *d = row[p];
        }
    }
}
