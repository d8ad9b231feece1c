using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelDsl.Cpu;

// The register-blocked micro-kernels: every accumulator lives in a vector register for the whole k loop
// (8×32 on Vector512: 16 of the 32 zmm; 6×16 on Vector256: 12 of the 16 ymm; 6×16 on Vector128: 24 of ARM64's 32
// NEON registers), one broadcast of A per row and one load
// of B per vector per k step.
public static unsafe partial class Gemm
{
    /// <summary>
    /// 8×32 tile of C from an A strip and a packed B strip (32 floats per k step). A element (i, p) is at
    /// a[i·aRow + p·aStep]: packed (aRow 1, aStep 8), or op(A) read in place from transposed storage (1, lda) or from
    /// row-major storage (lda, 1) when there are too few tiles to amortise packing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(int kc, float* a, nint aRow, nint aStep, float* b, float* c, int ldc, int mr, int nr, float alpha, bool overwrite)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1 * aRow]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2 * aRow]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3 * aRow]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4 * aRow]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5 * aRow]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6 * aRow]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7 * aRow]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            a += aStep;
            b += 32;
        }

        var va = Vector512.Create(alpha);
        if (mr == 8 && nr == 32)
        {
            StoreVector512(c + 0 * (long)ldc, c00, c01, va, overwrite);
            StoreVector512(c + 1 * (long)ldc, c10, c11, va, overwrite);
            StoreVector512(c + 2 * (long)ldc, c20, c21, va, overwrite);
            StoreVector512(c + 3 * (long)ldc, c30, c31, va, overwrite);
            StoreVector512(c + 4 * (long)ldc, c40, c41, va, overwrite);
            StoreVector512(c + 5 * (long)ldc, c50, c51, va, overwrite);
            StoreVector512(c + 6 * (long)ldc, c60, c61, va, overwrite);
            StoreVector512(c + 7 * (long)ldc, c70, c71, va, overwrite);
            return;
        }

        // Edge tile: spill the full tile, then copy the valid mr×nr corner.
        float* tile = stackalloc float[256];
        StoreVector512(tile + 0, c00, c01, va, overwrite: true);
        StoreVector512(tile + 32, c10, c11, va, overwrite: true);
        StoreVector512(tile + 64, c20, c21, va, overwrite: true);
        StoreVector512(tile + 96, c30, c31, va, overwrite: true);
        StoreVector512(tile + 128, c40, c41, va, overwrite: true);
        StoreVector512(tile + 160, c50, c51, va, overwrite: true);
        StoreVector512(tile + 192, c60, c61, va, overwrite: true);
        StoreVector512(tile + 224, c70, c71, va, overwrite: true);
        CopyTile(tile, 32, c, ldc, mr, nr, overwrite);
    }

    /// <summary>How a micro-kernel steps through A: between the rows of one k step (Row) and from one k step to the next (Step).</summary>
    private interface IAStrides
    {
        nint Row { get; }
        nint Step { get; }
    }

    /// <summary>Packed A, the usual case: six contiguous values per k step. Constants, so the JIT folds every broadcast's offset.</summary>
    private readonly struct PackedA6 : IAStrides
    {
        public nint Row => 1;
        public nint Step => 6;
    }

    /// <summary>A read in place (too few tiles to pay for packing): the strides of the matrix itself.</summary>
    private readonly struct StridedA(nint row, nint step) : IAStrides
    {
        public nint Row { get; } = row;
        public nint Step { get; } = step;
    }

    /// <summary>6×16 tile of C; see <see cref="Kernel8x32"/>. Packed A gets its own specialisation of the same loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel6x16(int kc, float* a, nint aRow, nint aStep, float* b, float* c, int ldc, int mr, int nr, float alpha, bool overwrite)
    {
        if (aRow == 1 && aStep == 6) Kernel6x16(default(PackedA6), kc, a, b, c, ldc, mr, nr, alpha, overwrite);
        else Kernel6x16(new StridedA(aRow, aStep), kc, a, b, c, ldc, mr, nr, alpha, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16<TA>(TA strides, int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, bool overwrite)
        where TA : struct, IAStrides
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<float>.Zero;
        nint aRow = strides.Row, aStep = strides.Step;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1 * aRow]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2 * aRow]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3 * aRow]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4 * aRow]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5 * aRow]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += aStep;
            b += 16;
        }

        var va = Vector256.Create(alpha);
        if (mr == 6 && nr == 16)
        {
            StoreVector256(c + 0 * (long)ldc, c00, c01, va, overwrite);
            StoreVector256(c + 1 * (long)ldc, c10, c11, va, overwrite);
            StoreVector256(c + 2 * (long)ldc, c20, c21, va, overwrite);
            StoreVector256(c + 3 * (long)ldc, c30, c31, va, overwrite);
            StoreVector256(c + 4 * (long)ldc, c40, c41, va, overwrite);
            StoreVector256(c + 5 * (long)ldc, c50, c51, va, overwrite);
            return;
        }

        // Edge tile: spill the full tile, then copy the valid mr×nr corner.
        float* tile = stackalloc float[96];
        StoreVector256(tile + 0, c00, c01, va, overwrite: true);
        StoreVector256(tile + 16, c10, c11, va, overwrite: true);
        StoreVector256(tile + 32, c20, c21, va, overwrite: true);
        StoreVector256(tile + 48, c30, c31, va, overwrite: true);
        StoreVector256(tile + 64, c40, c41, va, overwrite: true);
        StoreVector256(tile + 80, c50, c51, va, overwrite: true);
        CopyTile(tile, 16, c, ldc, mr, nr, overwrite);
    }

    /// <summary>
    /// The 6×16 tile of <see cref="Kernel6x16"/> on Vector128 (ARM64 NEON): the same packing, 24 accumulators, which
    /// with four loads of B and a broadcast fit ARM64's 32 vector registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel6x16x128(int kc, float* a, nint aRow, nint aStep, float* b, float* c, int ldc, int mr, int nr, float alpha, bool overwrite)
    {
        if (aRow == 1 && aStep == 6) Kernel6x16x128(default(PackedA6), kc, a, b, c, ldc, mr, nr, alpha, overwrite);
        else Kernel6x16x128(new StridedA(aRow, aStep), kc, a, b, c, ldc, mr, nr, alpha, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16x128<TA>(TA strides, int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha, bool overwrite)
        where TA : struct, IAStrides
    {
        Vector128<float> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
        Vector128<float> c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = Vector128<float>.Zero;
        c30 = c31 = c32 = c33 = c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = Vector128<float>.Zero;
        nint aRow = strides.Row, aStep = strides.Step;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var b2 = Vector128.Load(b + 8);
            var b3 = Vector128.Load(b + 12);
            var a0 = Vector128.Create(a[0]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00); c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            c02 = Vector128.FusedMultiplyAdd(a0, b2, c02); c03 = Vector128.FusedMultiplyAdd(a0, b3, c03);
            var a1 = Vector128.Create(a[1 * aRow]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10); c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            c12 = Vector128.FusedMultiplyAdd(a1, b2, c12); c13 = Vector128.FusedMultiplyAdd(a1, b3, c13);
            var a2 = Vector128.Create(a[2 * aRow]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20); c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            c22 = Vector128.FusedMultiplyAdd(a2, b2, c22); c23 = Vector128.FusedMultiplyAdd(a2, b3, c23);
            var a3 = Vector128.Create(a[3 * aRow]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30); c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
            c32 = Vector128.FusedMultiplyAdd(a3, b2, c32); c33 = Vector128.FusedMultiplyAdd(a3, b3, c33);
            var a4 = Vector128.Create(a[4 * aRow]);
            c40 = Vector128.FusedMultiplyAdd(a4, b0, c40); c41 = Vector128.FusedMultiplyAdd(a4, b1, c41);
            c42 = Vector128.FusedMultiplyAdd(a4, b2, c42); c43 = Vector128.FusedMultiplyAdd(a4, b3, c43);
            var a5 = Vector128.Create(a[5 * aRow]);
            c50 = Vector128.FusedMultiplyAdd(a5, b0, c50); c51 = Vector128.FusedMultiplyAdd(a5, b1, c51);
            c52 = Vector128.FusedMultiplyAdd(a5, b2, c52); c53 = Vector128.FusedMultiplyAdd(a5, b3, c53);
            a += aStep;
            b += 16;
        }

        var va = Vector128.Create(alpha);
        if (mr == 6 && nr == 16)
        {
            StoreVector128(c + 0 * (long)ldc, c00, c01, c02, c03, va, overwrite);
            StoreVector128(c + 1 * (long)ldc, c10, c11, c12, c13, va, overwrite);
            StoreVector128(c + 2 * (long)ldc, c20, c21, c22, c23, va, overwrite);
            StoreVector128(c + 3 * (long)ldc, c30, c31, c32, c33, va, overwrite);
            StoreVector128(c + 4 * (long)ldc, c40, c41, c42, c43, va, overwrite);
            StoreVector128(c + 5 * (long)ldc, c50, c51, c52, c53, va, overwrite);
            return;
        }

        float* tile = stackalloc float[96];
        StoreVector128(tile + 0, c00, c01, c02, c03, va, overwrite: true);
        StoreVector128(tile + 16, c10, c11, c12, c13, va, overwrite: true);
        StoreVector128(tile + 32, c20, c21, c22, c23, va, overwrite: true);
        StoreVector128(tile + 48, c30, c31, c32, c33, va, overwrite: true);
        StoreVector128(tile + 64, c40, c41, c42, c43, va, overwrite: true);
        StoreVector128(tile + 80, c50, c51, c52, c53, va, overwrite: true);
        CopyTile(tile, 16, c, ldc, mr, nr, overwrite);
    }

    /// <summary>Sixteen floats of C from four Vector128 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector128(float* c, Vector128<float> v0, Vector128<float> v1, Vector128<float> v2, Vector128<float> v3,
        Vector128<float> alpha, bool overwrite)
    {
        StoreVector128(c, v0, alpha, overwrite);
        StoreVector128(c + 4, v1, alpha, overwrite);
        StoreVector128(c + 8, v2, alpha, overwrite);
        StoreVector128(c + 12, v3, alpha, overwrite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector128(float* c, Vector128<float> v, Vector128<float> alpha, bool overwrite)
    {
        if (overwrite) Vector128.Store(alpha * v, c);
        else Vector128.Store(Vector128.FusedMultiplyAdd(alpha, v, Vector128.Load(c)), c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector512(float* c, Vector512<float> v0, Vector512<float> v1, Vector512<float> alpha, bool overwrite)
    {
        if (overwrite)
        {
            Vector512.Store(alpha * v0, c + 0);
            Vector512.Store(alpha * v1, c + 16);
        }
        else
        {
            Vector512.Store(Vector512.FusedMultiplyAdd(alpha, v0, Vector512.Load(c + 0)), c + 0);
            Vector512.Store(Vector512.FusedMultiplyAdd(alpha, v1, Vector512.Load(c + 16)), c + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector256(float* c, Vector256<float> v0, Vector256<float> v1, Vector256<float> alpha, bool overwrite)
    {
        if (overwrite)
        {
            Vector256.Store(alpha * v0, c + 0);
            Vector256.Store(alpha * v1, c + 8);
        }
        else
        {
            Vector256.Store(Vector256.FusedMultiplyAdd(alpha, v0, Vector256.Load(c + 0)), c + 0);
            Vector256.Store(Vector256.FusedMultiplyAdd(alpha, v1, Vector256.Load(c + 8)), c + 8);
        }
    }

    /// <summary>C[0..mr, 0..nr] = tile (already scaled by alpha), or += when accumulating.</summary>
    private static void CopyTile(float* tile, int tileStride, float* c, int ldc, int mr, int nr, bool overwrite)
    {
        for (int i = 0; i < mr; i++)
        {
            float* src = tile + i * tileStride;
            float* dst = c + (long)i * ldc;
            if (overwrite) for (int j = 0; j < nr; j++) dst[j] = src[j];
            else for (int j = 0; j < nr; j++) dst[j] += src[j];
        }
    }
}
