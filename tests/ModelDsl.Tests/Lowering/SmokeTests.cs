using ModelDsl.Ir;
using ModelDsl.Tests.Models;

namespace ModelDsl.Tests.Lowering;

public class SmokeTests
{
    [Fact]
    public void Cpu_training_program_matches_the_interpreter_on_the_tiny_char_lstm()
    {
        using var model = new TinyCharLstm(vocabulary: 7);
        var program = model.GetProgram(ProgramKind.Train, 3);
        ProgramHarness.FillRandom(program, 3, 7, 7, 42);
        var interpreter = ProgramHarness.InterpreterFor(model, program, 3);
        interpreter.Forward();
        interpreter.Backward();
        model.Gradients.Clear();
        double loss = program.Forward(3);
        program.Backward(3);
        Assert.Equal(interpreter.Loss, loss, 5);
        ProgramHarness.AssertClose(model.Gradients, interpreter.Gradients, 1e-4, 1e-6, "gradients");
    }
}
