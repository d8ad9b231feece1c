using ModelDsl.Ir;
using ModelDsl.Numerics;

namespace ModelDsl.Tests.Programs;

/// <summary>The generated CPU code against the float64 interpreter, for every program kind.</summary>
public class CpuAgreementTests
{
    public static TheoryData<string> Models => GradientTests.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void Training_program_matches_the_interpreter(string name)
    {
        using var model = GradientTests.Create(name);
        foreach (int batch in new[] { 3, 2 }) // a smaller batch than the capacity reuses the buffers
        {
            var program = model.GetProgram(ProgramKind.Train, 3);
            ProgramHarness.FillRandom(program, batch, model.Vocabulary, model.TargetClasses, (ulong)batch);
            var interpreter = ProgramHarness.InterpreterFor(model, program, batch);
            var dropout = new Rng(0);
            dropout.SetState(model.DropoutRandom.GetState());
            interpreter.Forward(dropout);
            interpreter.Backward();

            model.Gradients.Clear();
            double loss = program.Forward(batch);
            program.Backward(batch);
            Assert.True(Math.Abs(loss - interpreter.Loss) <= 1e-5 * Math.Abs(interpreter.Loss), $"loss {loss} vs {interpreter.Loss}");
            ProgramHarness.AssertClose(model.Gradients, interpreter.Gradients, 1e-4, 1e-6, name + " gradients");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Inference_program_matches_the_interpreter(string name)
    {
        using var model = GradientTests.Create(name);
        const int batch = 4;
        var program = model.GetProgram(ProgramKind.Infer, batch);
        ProgramHarness.FillRandom(program, batch, model.Vocabulary, model.TargetClasses, 11);
        var interpreter = ProgramHarness.InterpreterFor(model, program, batch);
        interpreter.Forward();
        program.Forward(batch);
        var output = new float[batch * model.OutputSize];
        program.ReadOutput(output, batch);
        ProgramHarness.AssertClose(output, interpreter.Output(), 1e-4, 1e-6, name + " output");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Stateful_steps_reproduce_the_window_output(string name)
    {
        // Feeding a window one token at a time with carried state must give the window program's output.
        using var model = GradientTests.Create(name);
        if (!Ir.Lowering.SupportsStep(model.Declaration))
        {
            Assert.Throws<NotSupportedException>(() => model.GetProgram(ProgramKind.Step, 1));
            return;
        }
        var window = new int[model.SequenceLength];
        var rng = new Rng(3);
        for (int i = 0; i < window.Length; i++) window[i] = rng.NextInt(model.Vocabulary);
        var expected = new float[model.OutputSize];
        model.Predict(window, expected);

        var step = model.GetProgram(ProgramKind.Step, 1);
        step.ResetState();
        foreach (var id in window)
        {
            step.Tokens[0] = id;
            step.Forward(1);
        }
        var actual = new float[model.OutputSize];
        step.ReadOutput(actual, 1);
        ProgramHarness.AssertClose(actual, expected.Select(v => (double)v).ToArray(), 1e-5, 1e-6, name + " stateful");
    }

    [Fact]
    public void Out_of_range_token_ids_are_rejected_before_any_kernel_runs()
    {
        using var model = GradientTests.Create(nameof(ModelDsl.Tests.Models.TinyCharLstm));
        var program = model.GetProgram(ProgramKind.Train, 2);
        ProgramHarness.FillRandom(program, 2, model.Vocabulary, model.TargetClasses, 1);
        program.Tokens[3] = model.Vocabulary;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => program.Forward(2));
        Assert.Contains("outside the vocabulary", e.Message);
        program.Tokens[3] = 0;
        program.Targets[1] = -1;
        Assert.Throws<ArgumentOutOfRangeException>(() => program.Forward(2));
    }
}
