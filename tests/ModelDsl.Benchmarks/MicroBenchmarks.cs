using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ModelDsl.Cpu;

namespace ModelDsl.Benchmarks;

/// <summary>
/// BenchmarkDotNet micro-benchmarks (<c>-- micro</c>, then BenchmarkDotNet's own arguments, e.g. <c>--filter *Gemm*</c>):
/// the seed model's products and its fused LSTM cell. In-process (the generator reference makes a separate build slow)
/// and short, since the host is shared: compare figures only within one run.
/// </summary>
internal sealed class MicroConfig : ManualConfig
{
    public MicroConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
        AddDiagnoser(MemoryDiagnoser.Default);
        // Reports under bin/, which git ignores.
        ArtifactsPath = Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts");
    }
}

/// <summary>The products of one seed training step and of batch-1 sampling, at their shapes (2 threads: the shared pool).</summary>
[Config(typeof(MicroConfig))]
public unsafe class GemmMicro
{
    private float[] _a = null!, _b = null!, _c = null!;
    private float* _pa, _pb, _pc;

    [GlobalSetup]
    public void Setup()
    {
        // Large enough for every shape below: A ≤ 128×7680, B ≤ 7680×512, C ≤ 128×512.
        _a = Pinned(128 * 7680, out _pa);
        _b = Pinned(7680 * 512, out _pb);
        _c = Pinned(128 * 512, out _pc);
    }

    private static float[] Pinned(int length, out float* pointer)
    {
        var array = GC.AllocateArray<float>(length, pinned: true);
        var random = new Random(length);
        for (int i = 0; i < length; i++) array[i] = random.NextSingle() - 0.5f;
        pointer = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return array;
    }

    [Benchmark(Description = "h·U 128×512×128")]
    public void HiddenTimesU() => Gemm.Multiply(false, false, 128, 512, 128, _pa, 128, _pb, 512, _pc, 512, accumulate: true);

    [Benchmark(Description = "dz·Uᵀ 128×128×512 transB")]
    public void DzTimesUTransposed() => Gemm.Multiply(false, true, 128, 128, 512, _pa, 512, _pb, 512, _pc, 128, accumulate: false);

    [Benchmark(Description = "hᵀ·dz 128×512×7680 transA")]
    public void RecurrentWeightGradient() => Gemm.Multiply(true, false, 128, 512, 7680, _pa, 128, _pb, 512, _pc, 512, accumulate: true);

    [Benchmark(Description = "x·W 128×57×128")]
    public void Dense() => Gemm.Multiply(false, false, 128, 57, 128, _pa, 128, _pb, 57, _pc, 57, accumulate: true);

    [Benchmark(Description = "xᵀ·dLogits 128×57×128 transA")]
    public void DenseWeightGradient() => Gemm.Multiply(true, false, 128, 57, 128, _pa, 128, _pb, 57, _pc, 57, accumulate: true);

    [Benchmark(Description = "GEMV h·U 1×512×128")]
    public void BatchOneStep() => Gemm.Multiply(false, false, 1, 512, 128, _pa, 128, _pb, 512, _pc, 512, accumulate: true);

    [Benchmark(Description = "GEMV x·W 1×57×128")]
    public void BatchOneDense() => Gemm.Multiply(false, false, 1, 57, 128, _pa, 128, _pb, 57, _pc, 57, accumulate: true);
}

/// <summary>
/// The seed model's fused LSTM cell over [128, 128] (what the generator emits for it: four gate non-linearities, the
/// cell update and the output in one pass), and the fused softmax + cross-entropy over [128, 57].
/// </summary>
[Config(typeof(MicroConfig))]
public unsafe class FusedKernelMicro
{
    private const int Rows = 128, Hidden = 128, Vocabulary = 57;
    private float[] _z = null!, _c = null!, _cNext = null!, _h = null!, _logits = null!, _dLogits = null!;
    private int[] _targets = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _z = Enumerable.Range(0, Rows * 4 * Hidden).Select(_ => random.NextSingle() * 4 - 2).ToArray();
        _c = Enumerable.Range(0, Rows * Hidden).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        _cNext = new float[Rows * Hidden];
        _h = new float[Rows * Hidden];
        _logits = Enumerable.Range(0, Rows * Vocabulary).Select(_ => random.NextSingle() * 6 - 3).ToArray();
        _dLogits = new float[Rows * Vocabulary];
        _targets = Enumerable.Range(0, Rows).Select(_ => random.Next(Vocabulary)).ToArray();
    }

    [Benchmark(Description = "LSTM cell 128×128, fused")]
    public void LstmCell()
    {
        fixed (float* z = _z, c = _c, cNext = _cNext, h = _h)
            LstmCellKernel(z, c, cNext, h);
    }

    [Benchmark(Description = "softmax + cross-entropy 128×57")]
    public double SoftmaxCrossEntropy()
    {
        fixed (float* logits = _logits, dLogits = _dLogits)
        fixed (int* targets = _targets)
            return RowKernels.SoftmaxCrossEntropy(logits, Rows, Vocabulary, Vocabulary, targets, 1, dLogits, Vocabulary, 1f / Rows);
    }

    // The generated LstmCell's Vector256 loop for this shape: gates i, f, g, o at column offsets 0, H, 2H, 3H of z.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LstmCellKernel(float* z, float* c, float* cNext, float* h)
    {
        for (int r = 0; r < Rows; r++)
        {
            float* zi = z + r * 4 * Hidden, zf = zi + Hidden, zg = zf + Hidden, zo = zg + Hidden;
            for (int j = 0; j < Hidden; j += 8)
            {
                var cell = SimdMath.Sigmoid(Vector256.Load(zf + j)) * Vector256.Load(c + r * Hidden + j)
                    + SimdMath.Sigmoid(Vector256.Load(zi + j)) * SimdMath.Tanh(Vector256.Load(zg + j));
                Vector256.Store(cell, cNext + r * Hidden + j);
                Vector256.Store(SimdMath.Sigmoid(Vector256.Load(zo + j)) * SimdMath.Tanh(cell), h + r * Hidden + j);
            }
        }
    }
}
