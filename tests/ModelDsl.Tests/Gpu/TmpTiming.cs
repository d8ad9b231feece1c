using Xunit.Abstractions;
using System.Diagnostics;
using ModelDsl.Ir;
namespace ModelDsl.Tests.Gpu;
[Collection(GpuEmulatorCollection.Name)]
public class TmpTiming(ITestOutputHelper output)
{
    [Fact]
    public void Timing()
    {
        var sw = Stopwatch.StartNew();
        using var gpu = GpuHarness.Create("TinyCharLstm", Backend.GpuEmulator);
        var p = gpu.GetProgram(ProgramKind.Train, 3);
        output.WriteLine("create " + sw.ElapsedMilliseconds); sw.Restart();
        GpuHarness.FillRandom(3, gpu, 1, p);
        for (int i = 0; i < 3; i++) { p.Forward(3); output.WriteLine("fwd " + sw.ElapsedMilliseconds); sw.Restart(); p.Backward(3); output.WriteLine("bwd " + sw.ElapsedMilliseconds); sw.Restart(); }
        var p2 = gpu.GetProgram(ProgramKind.Infer, 3);
        output.WriteLine("create infer " + sw.ElapsedMilliseconds); sw.Restart();
        var d = ModelDsl.Gpu.GpuDevice.Get(true);
        for (int i = 0; i < 100; i++) d.Zero(default, 0, 0, 0, 0);
        output.WriteLine("100 noop " + sw.ElapsedMilliseconds); sw.Restart();
    }
}
