using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace ModelDsl.Runtime;

/// <summary>Asks ILGPU whether a CUDA device is present (for <see cref="Backend.Auto"/>).</summary>
public static class GpuAvailability
{
    private static readonly Lazy<bool> Cuda = new(() =>
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            return context.GetPreferredDevice(preferCPU: false).AcceleratorType == AcceleratorType.Cuda;
        }
        catch (Exception)
        {
            return false; // no driver, no device: the CPU backend it is
        }
    });

    public static bool HasCudaDevice() => Cuda.Value;
}
