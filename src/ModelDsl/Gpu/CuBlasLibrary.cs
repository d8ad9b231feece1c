using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU.Runtime.Cuda;

namespace ModelDsl.Gpu;

/// <summary>
/// Lets ILGPU.Algorithms' <see cref="CuBlas"/> find cuBLAS on CUDA 13 machines. Its P/Invokes name <c>libcublas.so.10/11/12</c>
/// (<c>cublas64_1x.dll</c> on Windows) only; the v2 entry points it calls are unchanged in 13, so when the requested name
/// does not load we hand back the newest library we can find. <c>MODELDSL_CUBLAS_PATH</c> names a file to use first.
/// </summary>
internal static class CuBlasLibrary
{
    private static int _registered;

    /// <summary>Installs the resolver on the ILGPU.Algorithms assembly (once per process; a no-op if someone else already has).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) != 0) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(CuBlas).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // The host application installed its own resolver for ILGPU.Algorithms: it knows best.
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!libraryName.Contains("cublas", StringComparison.OrdinalIgnoreCase)) return IntPtr.Zero;
        var explicitPath = Environment.GetEnvironmentVariable("MODELDSL_CUBLAS_PATH");
        if (!string.IsNullOrEmpty(explicitPath) && NativeLibrary.TryLoad(explicitPath, out var handle)) return handle;
        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out handle)) return handle;
        foreach (var candidate in Candidates())
            if (NativeLibrary.TryLoad(candidate, out handle)) return handle;
        return IntPtr.Zero; // the runtime's own probing, then DllNotFoundException: cuBLAS is optional
    }

    /// <summary>Newer sonames first, bare names (the loader's search path) before the usual install folders.</summary>
    internal static IEnumerable<string> Candidates()
    {
        string[] names = OperatingSystem.IsWindows()
            ? new[] { "cublas64_13.dll", "cublas64_12.dll" }
            : new[] { "libcublas.so.13", "libcublas.so.12", "libcublas.so" };
        foreach (var name in names) yield return name;
        if (OperatingSystem.IsWindows()) yield break;
        var folders = new List<string>();
        var cudaPath = Environment.GetEnvironmentVariable("CUDA_PATH") ?? Environment.GetEnvironmentVariable("CUDA_HOME");
        if (!string.IsNullOrEmpty(cudaPath)) folders.Add(Path.Combine(cudaPath, "lib64"));
        folders.Add("/usr/local/cuda/lib64");
        folders.Add("/usr/local/cuda/targets/x86_64-linux/lib");
        folders.Add("/usr/lib/x86_64-linux-gnu");
        foreach (var folder in folders)
            foreach (var name in names)
                yield return Path.Combine(folder, name);
    }
}
