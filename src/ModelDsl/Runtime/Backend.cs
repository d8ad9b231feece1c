namespace ModelDsl;

/// <summary>Where a model's programs run.</summary>
public enum Backend
{
    /// <summary>CUDA through ILGPU when a GPU is present, else <see cref="Cpu"/>.</summary>
    Auto = 0,
    /// <summary>The generated SIMD C# code (default).</summary>
    Cpu = 1,
    /// <summary>The float64 IR interpreter: slow, exact; the test oracle.</summary>
    Reference = 2,
    /// <summary>The generated ILGPU kernels on a CUDA GPU.</summary>
    Gpu = 3,
    /// <summary>The generated ILGPU kernels on ILGPU's CPU accelerator (an emulator: tiny sizes, for tests).</summary>
    GpuEmulator = 4,
}

/// <summary>Creation options of a model.</summary>
public sealed record ModelOptions
{
    /// <summary>Seeds initialisation, dropout and shuffling: the same seed gives the same run (CPU, fixed thread count).</summary>
    public ulong Seed { get; init; } = 1337;
    public Backend Backend { get; init; } = Backend.Cpu;
}
