using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace ModelDsl.Gpu;

/// <summary>
/// One ILGPU context and accelerator per process per kind (a CUDA GPU, or the CPU emulator), with the library kernels loaded
/// once and cuBLAS bound when it loads. Programs share it; <see cref="Sync"/> serialises their calls (one stream).
/// </summary>
public sealed partial class GpuDevice : IDisposable
{
    private static readonly Lazy<GpuDevice> CudaDevice = new(CreateCuda, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<GpuDevice> EmulatorDevice = new(CreateEmulator, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Context _context;
    private readonly CuBlas? _blas;
    private bool _tensorFloat32;

    private GpuDevice(Context context, Accelerator accelerator, bool emulator)
    {
        _context = context;
        Accelerator = accelerator;
        IsEmulator = emulator;
        LoadKernels();
        LoadAttentionKernels();
        if (accelerator is CudaAccelerator cuda && Environment.GetEnvironmentVariable("MODELDSL_CUBLAS") != "0")
            _blas = TryCreateBlas(cuda);
    }

    /// <summary>The shared device of the given kind, created on first use.</summary>
    public static GpuDevice Get(bool emulator) => emulator ? EmulatorDevice.Value : CudaDevice.Value;

    public Accelerator Accelerator { get; }
    public bool IsEmulator { get; }
    /// <summary>Whether matrix products go through cuBLAS (else the tiled ILGPU kernel).</summary>
    public bool UsesCuBlas => _blas is not null && !ForceGemmKernel;
    /// <summary>Tests and benchmarks: route products through the ILGPU kernel even where cuBLAS loaded.</summary>
    public bool ForceGemmKernel { get; set; }

    /// <summary>
    /// Lets cuBLAS use TF32 tensor cores for fp32 products (about 10 mantissa bits per input: faster, less exact). Off by default;
    /// also on when MODELDSL_TF32=1.
    /// </summary>
    public bool TensorFloat32
    {
        get => _tensorFloat32;
        set
        {
            _tensorFloat32 = value;
            // CUBLAS_TF32_TENSOR_OP_MATH = 3 (ILGPU's enum predates it; its TensorOpMath would allow fp16 down-conversion).
            if (_blas is not null) _blas.MathMode = value ? (CuBlasMathMode)3 : CuBlasMathMode.DefaultMath;
        }
    }

    /// <summary>
    /// Whether a recurrent step's product h_{t-1}·U and its cell run as one generated kernel (small recurrent matrices only,
    /// see docs/architecture.md) instead of a product launch and a cell launch. On by default; MODELDSL_GPU_FUSED_STEP=0 turns it
    /// off, so the device script can time both.
    /// </summary>
    public bool FuseRecurrentSteps { get; set; } = Environment.GetEnvironmentVariable("MODELDSL_GPU_FUSED_STEP") != "0";

    /// <summary>
    /// With <see cref="FuseRecurrentSteps"/>, whether the backward step is fused too (a grouped kernel with a barrier, reading a
    /// transposed copy of U made before the time loop). On by default; MODELDSL_GPU_FUSED_BACKWARD=0 fuses the forward only, so the two
    /// can be timed apart.
    /// </summary>
    public bool FuseRecurrentBackwardSteps { get; set; } = Environment.GetEnvironmentVariable("MODELDSL_GPU_FUSED_BACKWARD") != "0";

    /// <summary>Held by a program for the whole of each call, so programs on different threads do not interleave on the stream.</summary>
    public object Sync { get; } = new();

    public string Name => Accelerator.Name + (UsesCuBlas ? " (cuBLAS)" : "");

    private static GpuDevice CreateCuda()
    {
        Context? context = null;
        try
        {
            // EnableAlgorithms gives the PTX backend its exp/log/tanh (ILGPU core lowers MathF calls to ops it cannot emit alone).
            context = Context.Create(b => b.Cuda().EnableAlgorithms());
            var devices = context.GetCudaDevices();
            if (devices.Count == 0) throw new InvalidOperationException("ILGPU found no CUDA device.");
            // Picked explicitly: the default device list can also hold OpenCL CPU devices.
            var accelerator = devices[0].CreateCudaAccelerator(context);
            var device = new GpuDevice(context, accelerator, emulator: false);
            device.TensorFloat32 = Environment.GetEnvironmentVariable("MODELDSL_TF32") == "1";
            AppDomain.CurrentDomain.ProcessExit += (_, _) => device.Dispose();
            return device;
        }
        catch (Exception e)
        {
            context?.Dispose();
            throw new InvalidOperationException("No usable CUDA GPU (" + e.Message + "). Use Backend.Cpu, or Backend.GpuEmulator for tests.", e);
        }
    }

    /// <summary>
    /// The shared emulator: 4 threads a warp, 4 warps a group, one multiprocessor. Every simulated thread is an OS thread, so
    /// small groups keep launches near a millisecond on two cores (a 16 × 16 group with barriers costs ~100 ms); the GEMM
    /// runs with 4 × 4 tiles there.
    /// </summary>
    private static GpuDevice CreateEmulator()
    {
        var device = CreateEmulator(4, 4, 1);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => device.Dispose();
        return device;
    }

    /// <summary>A private emulator of the given shape (tests: <c>CreateEmulator(16, 16, 1)</c> runs the 16 × 16 GEMM tile).</summary>
    internal static GpuDevice CreateEmulator(int threadsPerWarp, int warpsPerGroup, int multiprocessors)
    {
        var context = Context.Create(b => b.CPU(new CPUDevice(threadsPerWarp, warpsPerGroup, multiprocessors)).EnableAlgorithms());
        var accelerator = context.GetCPUDevice(0).CreateCPUAccelerator(context);
        return new GpuDevice(context, accelerator, emulator: true);
    }

    private static CuBlas? TryCreateBlas(CudaAccelerator accelerator)
    {
        CuBlasLibrary.Register();
        try
        {
            var blas = new CuBlas(accelerator);
            blas.Stream = (CudaStream)accelerator.DefaultStream; // same stream as the kernels: no extra synchronisation
            return blas;
        }
        catch (Exception)
        {
            return null; // no cuBLAS on this machine: the ILGPU GEMM kernel does the products
        }
    }

    public void Dispose()
    {
        lock (Sync)
        {
            if (Accelerator.IsDisposed) return;
            _blas?.Dispose();
            _noIds.Dispose();
            _columnPartials?.Dispose();
            Accelerator.Dispose();
            _context.Dispose();
        }
    }
}
