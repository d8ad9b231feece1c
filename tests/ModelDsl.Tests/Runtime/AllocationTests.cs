using ModelDsl.Ir;
using ModelDsl.Tests.Models;
using ModelDsl.Tests.Programs;
using ModelDsl.Training;

namespace ModelDsl.Tests.Runtime;

/// <summary>After warm-up a training step allocates nothing on the calling thread (buffers, packs and tasks are reused).</summary>
public class AllocationTests
{
    [Theory]
    [InlineData(nameof(SmallCharLstm), 64)]
    [InlineData(nameof(TinyDecoder), 8)]
    public void A_training_step_allocates_nothing_after_warm_up(string name, int batch)
    {
        using Model model = name == nameof(SmallCharLstm) ? new SmallCharLstm(vocabulary: 40) : GradientTests.Create(name);
        model.Compile(new RmsProp(0.01f));
        var program = model.GetProgram(ProgramKind.Train, batch);
        ProgramHarness.FillRandom(program, batch, model.Vocabulary, model.TargetClasses, 1);
        for (int i = 0; i < 30; i++) model.TrainBatch(batch); // tiered JIT and on-stack replacement settle
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) model.TrainBatch(batch);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{name}: {allocated} bytes over 20 steps");
    }
}
