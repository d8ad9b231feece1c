using ModelDsl.Gpu;
using ModelDsl.Ir;
using ModelDsl.Tests.Models;
using ModelDsl.Runtime;

namespace ModelDsl.Tests.Gpu;

/// <summary>The generated ILGPU programs on the CPU emulator against the float64 interpreter and the generated CPU code.</summary>
[Collection(GpuEmulatorCollection.Name)]
public class GpuAgreementTests
{
    public static TheoryData<string> Models => GpuHarness.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void Training_program_matches_the_interpreter_and_the_cpu(string name)
    {
        using var gpu = GpuHarness.Create(name, Backend.GpuEmulator);
        using var cpu = GpuHarness.Create(name, Backend.Cpu);
        Assert.Equal(cpu.Parameters.ToArray(), gpu.Parameters.ToArray());
        foreach (int batch in new[] { 3, 2 }) // a smaller batch than the capacity reuses the arena
        {
            var program = gpu.GetProgram(ProgramKind.Train, 3);
            Assert.IsAssignableFrom<GpuProgram>(program);
            var cpuProgram = cpu.GetProgram(ProgramKind.Train, 3);
            GpuHarness.FillRandom(batch, gpu, (ulong)batch, program, cpuProgram);
            var interpreter = GpuHarness.InterpreterFor(gpu, program, batch);
            GpuHarness.LoadIds(interpreter, program, batch);
            interpreter.Forward(GpuHarness.DropoutCopy(gpu));
            interpreter.Backward();

            gpu.Gradients.Clear();
            double loss = program.Forward(batch);
            program.Backward(batch);
            cpu.Gradients.Clear();
            double cpuLoss = cpuProgram.Forward(batch);
            cpuProgram.Backward(batch);

            Assert.True(Math.Abs(loss - interpreter.Loss) <= 1e-5 * Math.Abs(interpreter.Loss), $"loss {loss} vs interpreter {interpreter.Loss}");
            Assert.True(Math.Abs(loss - cpuLoss) <= 1e-5 * Math.Abs(cpuLoss), $"loss {loss} vs cpu {cpuLoss}");
            GpuHarness.AssertClose(gpu.Gradients, interpreter.Gradients, 1e-4, 1e-6, name + " gradients vs interpreter");
            GpuHarness.AssertClose(gpu.Gradients, GpuHarness.ToDouble(cpu.Gradients), 1e-4, 1e-6, name + " gradients vs cpu");
        }
    }

    [Theory]
    [InlineData(nameof(TinyCharLstm))]
    [InlineData(nameof(TinyGru))]
    [InlineData(nameof(TinyBiStack))]
    [InlineData(nameof(MaskedBidirectional))]
    [InlineData(nameof(MaskedStack))]
    [InlineData(nameof(TinyCharRnn))]
    public void Fused_recurrent_steps_match_the_product_and_cell_launched_apart(string name)
    {
        // CI runs the fused kernels everywhere else (the default); here the two launches they replace give the same step.
        // Batch 9: three blocks of four rows (forward threads, backward groups), the last one partial.
        using var model = GpuHarness.Create(name, Backend.GpuEmulator);
        const int batch = 9;
        var program = (GpuProgram)model.GetProgram(ProgramKind.Train, batch);
        GpuHarness.FillRandom(batch, model, 5, program);
        var device = program.Device;
        var saved = (device.FuseRecurrentSteps, device.FuseRecurrentBackwardSteps);
        try
        {
            // Both directions fused, the forward alone, neither.
            var results = new List<(double Loss, float[] Gradients)>();
            foreach (var (forward, backward) in new[] { (true, true), (true, false), (false, false) })
            {
                (device.FuseRecurrentSteps, device.FuseRecurrentBackwardSteps) = (forward, backward);
                model.Gradients.Clear();
                double loss = program.Forward(batch);
                program.Backward(batch);
                results.Add((loss, model.Gradients.ToArray()));
            }
            for (int i = 0; i < 2; i++)
            {
                Assert.True(Math.Abs(results[i].Loss - results[2].Loss) <= 1e-6 * Math.Abs(results[2].Loss), $"loss {results[i].Loss} fused ({i}) vs {results[2].Loss}");
                GpuHarness.AssertClose(results[i].Gradients, GpuHarness.ToDouble(results[2].Gradients), 1e-5, 1e-7, name + " fused (" + i + ") vs apart");
            }
        }
        finally
        {
            (device.FuseRecurrentSteps, device.FuseRecurrentBackwardSteps) = saved;
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Inference_program_matches_the_interpreter_and_the_cpu(string name)
    {
        using var gpu = GpuHarness.Create(name, Backend.GpuEmulator);
        using var cpu = GpuHarness.Create(name, Backend.Cpu);
        const int batch = 3;
        var program = gpu.GetProgram(ProgramKind.Infer, batch);
        var cpuProgram = cpu.GetProgram(ProgramKind.Infer, batch);
        GpuHarness.FillRandom(batch, gpu, 11, program, cpuProgram);
        var interpreter = GpuHarness.InterpreterFor(gpu, program, batch);
        GpuHarness.LoadIds(interpreter, program, batch);
        interpreter.Forward();

        Assert.Equal(0, program.Forward(batch));
        cpuProgram.Forward(batch);
        var output = new float[batch * gpu.OutputSize];
        var cpuOutput = new float[batch * gpu.OutputSize];
        program.ReadOutput(output, batch);
        cpuProgram.ReadOutput(cpuOutput, batch);
        GpuHarness.AssertClose(output, interpreter.Output(), 1e-4, 1e-6, name + " output vs interpreter");
        GpuHarness.AssertClose(output, GpuHarness.ToDouble(cpuOutput), 1e-4, 1e-6, name + " output vs cpu");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Step_program_carries_state_across_calls(string name)
    {
        using var gpu = GpuHarness.Create(name, Backend.GpuEmulator);
        using var cpu = GpuHarness.Create(name, Backend.Cpu);
        const int batch = 2;
        if (!Ir.Lowering.SupportsStep(gpu.Declaration))
        {
            Assert.Throws<NotSupportedException>(() => gpu.GetProgram(ProgramKind.Step, batch));
            return;
        }
        var program = gpu.GetProgram(ProgramKind.Step, batch);
        var cpuProgram = cpu.GetProgram(ProgramKind.Step, batch);
        var interpreter = GpuHarness.InterpreterFor(gpu, program, batch);
        program.ResetState();
        cpuProgram.ResetState();
        var output = new float[batch * gpu.OutputSize];
        var cpuOutput = new float[batch * gpu.OutputSize];
        for (int call = 0; call < 3; call++)
        {
            GpuHarness.FillRandom(batch, gpu, 100 + (ulong)call, program, cpuProgram);
            GpuHarness.LoadIds(interpreter, program, batch);
            interpreter.Forward(); // the interpreter's state buffers persist between calls, as the device's do
            program.Forward(batch);
            cpuProgram.Forward(batch);
            program.ReadOutput(output, batch);
            cpuProgram.ReadOutput(cpuOutput, batch);
            GpuHarness.AssertClose(output, interpreter.Output(), 1e-4, 1e-6, $"{name} step {call} vs interpreter");
            GpuHarness.AssertClose(output, GpuHarness.ToDouble(cpuOutput), 1e-4, 1e-6, $"{name} step {call} vs cpu");
        }

        // After a reset the first step sees zero state again.
        program.ResetState();
        var fresh = GpuHarness.InterpreterFor(gpu, program, batch);
        GpuHarness.FillRandom(batch, gpu, 100, program);
        GpuHarness.LoadIds(fresh, program, batch);
        fresh.Forward();
        program.Forward(batch);
        program.ReadOutput(output, batch);
        GpuHarness.AssertClose(output, fresh.Output(), 1e-4, 1e-6, name + " step after reset");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Stateful_steps_reproduce_the_window_output(string name)
    {
        // Feeding a window one token at a time with carried state (for attention: the key/value caches, the positions and
        // the token history, all kept on the device between calls) must give the window program's output.
        using var gpu = GpuHarness.Create(name, Backend.GpuEmulator);
        if (!Ir.Lowering.SupportsStep(gpu.Declaration)) return; // Step_program_carries_state_across_calls checks the refusal
        var window = new int[gpu.SequenceLength];
        var rng = new Numerics.Rng(3);
        for (int i = 0; i < window.Length; i++) window[i] = rng.NextInt(gpu.Vocabulary);
        window[1] = 0; // a padding id: masked models must skip it in both modes
        var expected = new float[gpu.OutputSize];
        gpu.Predict(window, expected);

        var step = gpu.GetProgram(ProgramKind.Step, 1);
        Assert.IsAssignableFrom<GpuProgram>(step);
        step.ResetState();
        foreach (var id in window)
        {
            step.Tokens[0] = id;
            step.Forward(1);
        }
        var actual = new float[gpu.OutputSize];
        step.ReadOutput(actual, 1);
        GpuHarness.AssertClose(actual, GpuHarness.ToDouble(expected), 1e-4, 1e-6, name + " stateful");

        int capacity = step.Program.CacheCapacity;
        if (capacity == 0) return;
        // The caches hold `capacity` positions: the call after that is refused before anything runs, and a reset frees them.
        while (step.CachedPositions < capacity) step.Forward(1);
        Assert.Throws<InvalidOperationException>(() => step.Forward(1));
        step.ResetState();
        Assert.Equal(0, step.CachedPositions);
        step.Forward(1);
    }

    [Theory]
    [InlineData(nameof(ModelDsl.Tests.Models.TinyDecoder))]
    [InlineData(nameof(ModelDsl.Tests.Models.TinySeedDecoder))]
    public void Inference_reads_the_chosen_query_positions(string name)
    {
        using var gpu = GpuHarness.Create(name, Backend.GpuEmulator);
        using var cpu = GpuHarness.Create(name, Backend.Cpu);
        const int batch = 3;
        var program = gpu.GetProgram(ProgramKind.Infer, batch);
        var cpuProgram = cpu.GetProgram(ProgramKind.Infer, batch);
        Assert.Equal(batch, program.QueryPositions.Length);
        Assert.All(program.QueryPositions.ToArray(), p => Assert.Equal(program.Program.SequenceLength - 1, p));
        GpuHarness.FillRandom(batch, gpu, 5, program, cpuProgram);
        int[] positions = [0, 2, 1];
        positions.CopyTo(program.QueryPositions);
        positions.CopyTo(cpuProgram.QueryPositions);
        var interpreter = GpuHarness.InterpreterFor(gpu, program, batch);
        GpuHarness.LoadIds(interpreter, program, batch);
        interpreter.Forward();

        program.Forward(batch);
        cpuProgram.Forward(batch);
        var output = new float[batch * gpu.OutputSize];
        var cpuOutput = new float[batch * gpu.OutputSize];
        program.ReadOutput(output, batch);
        cpuProgram.ReadOutput(cpuOutput, batch);
        GpuHarness.AssertClose(output, interpreter.Output(), 1e-4, 1e-6, name + " output vs interpreter");
        GpuHarness.AssertClose(output, GpuHarness.ToDouble(cpuOutput), 1e-4, 1e-6, name + " output vs cpu");

        program.QueryPositions[1] = program.Program.SequenceLength;
        Assert.Throws<ArgumentOutOfRangeException>(() => program.Forward(batch));
    }

    [Fact]
    public void Out_of_range_ids_are_rejected_before_any_kernel_runs()
    {
        using var gpu = GpuHarness.Create(nameof(ModelDsl.Tests.Models.TinyCharLstm), Backend.GpuEmulator);
        var program = gpu.GetProgram(ProgramKind.Train, 2);
        GpuHarness.FillRandom(2, gpu, 1, program);
        program.Tokens[3] = gpu.Vocabulary;
        Assert.Throws<ArgumentOutOfRangeException>(() => program.Forward(2));
    }

    [Fact]
    public void The_gpu_backend_without_a_cuda_device_says_so()
    {
        if (GpuAvailability.HasCudaDevice()) return; // exercised on machines without a GPU
        using var model = GpuHarness.Create(nameof(ModelDsl.Tests.Models.TinyCharLstm), Backend.Gpu);
        var e = Assert.Throws<InvalidOperationException>(() => model.GetProgram(ProgramKind.Infer, 1));
        Assert.Contains("CUDA", e.Message);
    }
}
