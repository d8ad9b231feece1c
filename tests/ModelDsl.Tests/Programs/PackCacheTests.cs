using ModelDsl.Ir;
using ModelDsl.Tests.Models;
using ModelDsl.Training;

namespace ModelDsl.Tests.Programs;

/// <summary>
/// The generated code packs the recurrent weights once per pass and reuses them at every time step: a pass after the
/// weights changed (by the optimizer, or by a write through <see cref="Model.Parameters"/>) must see the new weights.
/// </summary>
public class PackCacheTests
{
    private const int Batch = 4; // more than one row: the one-row GEMV path packs nothing

    [Fact]
    public void A_forward_pass_after_a_parameter_write_sees_the_new_recurrent_weights()
    {
        using var model = new SmallCharLstm(vocabulary: 13, new ModelOptions { Seed = 3 });
        var before = InferOutput(model);

        Scale(model.Parameter("lstm.recurrent_kernel"));
        var after = InferOutput(model);

        using var fresh = new SmallCharLstm(vocabulary: 13, new ModelOptions { Seed = 3 });
        Scale(fresh.Parameter("lstm.recurrent_kernel"));
        var expected = InferOutput(fresh);

        Assert.NotEqual(before, after);
        Assert.Equal(expected, after);
    }

    [Fact]
    public void Passes_after_an_optimizer_step_see_the_updated_weights()
    {
        using var model = new SmallCharLstm(vocabulary: 13, new ModelOptions { Seed = 3 });
        model.Compile(new RmsProp(0.05f));
        InferOutput(model); // packs U in the inference program
        var train = model.GetProgram(ProgramKind.Train, Batch);
        ProgramHarness.FillRandom(train, Batch, model.Vocabulary, model.TargetClasses, 5);
        model.TrainBatch(Batch); // packs U and Uᵀ in the training program, then updates them
        double loss = train.Forward(Batch);
        var after = InferOutput(model);

        // The same weights in a model whose programs never packed anything.
        using var fresh = new SmallCharLstm(vocabulary: 13, new ModelOptions { Seed = 3 });
        model.Parameters.CopyTo(fresh.Parameters);
        var freshTrain = fresh.GetProgram(ProgramKind.Train, Batch);
        ProgramHarness.FillRandom(freshTrain, Batch, fresh.Vocabulary, fresh.TargetClasses, 5);
        Assert.Equal(freshTrain.Forward(Batch), loss);
        Assert.Equal(InferOutput(fresh), after);
    }

    private static float[] InferOutput(Model model)
    {
        var program = model.GetProgram(ProgramKind.Infer, Batch);
        ProgramHarness.FillRandom(program, Batch, model.Vocabulary, model.TargetClasses, 11);
        program.Forward(Batch);
        var output = new float[Batch * model.OutputSize];
        program.ReadOutput(output, Batch);
        return output;
    }

    private static void Scale(Span<float> weights)
    {
        for (int i = 0; i < weights.Length; i++) weights[i] = -0.5f * weights[i] + 0.01f;
    }
}
