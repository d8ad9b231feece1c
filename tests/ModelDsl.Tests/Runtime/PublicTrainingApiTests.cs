using ModelDsl.Tests.Models;
using ModelDsl.Training;

namespace ModelDsl.Tests.Runtime;

/// <summary>Training by hand through the public API only: ids in, a step, a named tensor's gradient out.</summary>
public class PublicTrainingApiTests
{
    [Fact]
    public void Gradient_of_the_output_bias_is_the_mean_of_p_minus_onehot()
    {
        // One-hot input, softmax output, one target per window: d(mean loss)/d(bias) = Σ_b (p_b − onehot(y_b)) / B.
        using var model = new TinyCharLstm(vocabulary: 6, new ModelOptions { Seed = 5 });
        int[] inputs = [1, 2, 3, 4, 5, 0, 0, 1, 2, 3, 5, 5, 4, 4, 3];
        int[] targets = [0, 4, 2];
        var expected = new double[6];
        var p = new float[6];
        for (int b = 0; b < 3; b++)
        {
            model.Predict(inputs.AsSpan(b * 5, 5), p);
            for (int c = 0; c < 6; c++) expected[c] += (p[c] - (c == targets[b] ? 1 : 0)) / 3.0;
        }
        model.Compile(new Sgd(0.1f));
        model.TrainBatch(inputs, targets);
        var gradient = model.Gradient("dense.bias");
        Assert.Equal(6, gradient.Length);
        for (int c = 0; c < 6; c++) Assert.Equal(expected[c], gradient[c], 5);
        Assert.Equal(model.Parameter("lstm.kernel").Length, model.Gradient("lstm.kernel").Length);
        Assert.Contains(model.Gradient("lstm.kernel").ToArray(), g => g != 0f);
    }

    [Fact]
    public void Gradient_names_the_tensors_it_has_when_asked_for_another()
    {
        using var model = new TinyCharLstm(vocabulary: 6);
        var e = Assert.Throws<KeyNotFoundException>(() => model.Gradient("dense.weights"));
        Assert.Contains("dense.kernel", e.Message);
    }

    [Fact]
    public void TrainBatch_from_ids_matches_staging_the_training_program_by_hand()
    {
        int[] inputs = [1, 2, 3, 4, 5, 0, 0, 1, 2, 3];
        int[] targets = [3, 1];
        using var byIds = new TinyCharLstm(vocabulary: 6, new ModelOptions { Seed = 9 });
        using var byHand = new TinyCharLstm(vocabulary: 6, new ModelOptions { Seed = 9 });
        byIds.Compile(new Adam(0.01f));
        byHand.Compile(new Adam(0.01f));
        double a = byIds.TrainBatch(inputs, targets);
        var program = byHand.GetProgram(Ir.ProgramKind.Train, 2);
        inputs.CopyTo(program.Tokens);
        targets.CopyTo(program.Targets);
        double b = byHand.TrainBatch(2);
        Assert.Equal(b, a);
        Assert.Equal(byHand.Parameters.ToArray(), byIds.Parameters.ToArray());
    }

    [Fact]
    public void TrainBatch_from_ids_checks_the_shapes_and_the_ids()
    {
        using var perStep = new TinyCharRnn(vocabulary: 6);
        perStep.Compile(new Sgd());
        Assert.True(perStep.TargetsPerStep);
        Assert.False(perStep.IgnoresPaddingTargets);
        var e = Assert.Throws<ArgumentException>(() => perStep.TrainBatch(new int[10], new int[2]));
        Assert.Contains("[B, 5]", e.Message);
        Assert.Throws<ArgumentException>(() => perStep.TrainBatch(new int[7], new int[7]));
        Assert.True(double.IsFinite(perStep.TrainBatch(new int[10], new int[10])));
        Assert.ThrowsAny<ArgumentException>(() => perStep.TrainBatch(new int[10], Enumerable.Repeat(6, 10).ToArray()));

        using var untrained = new TinyCharLstm(vocabulary: 6);
        Assert.Throws<InvalidOperationException>(() => untrained.TrainBatch(new int[5], new int[1]));
    }
}
