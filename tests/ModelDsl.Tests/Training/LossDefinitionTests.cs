using ModelDsl.Data;
using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Reference;
using ModelDsl.Tests.Gpu;
using ModelDsl.Tests.Models;
using ModelDsl.Training;

namespace ModelDsl.Tests.Training;

/// <summary>A causal decoder with padding (id 0) and logits at every position: Predict reads any position, so a test can
/// compute the loss by hand from outputs the training loss op never saw.</summary>
[Model]
[TokenInput(length: 6, vocabulary: 9)]
[PositionalEmbedding(8, maskZero: true)]
[TransformerDecoder(heads: 2, hidden: 10)]
[Dense(Dim.Vocabulary)]
public partial class PaddedDecoderLm;

/// <summary>A per-step recurrent language model with padding, for the finite-difference check of the masked loss.</summary>
[Model]
[TokenInput(length: 5, vocabulary: 7)]
[Embedding(4, maskZero: true)]
[Lstm(5, returnSequences: true)]
[Dropout(0.2)]
[Dense(7, Activation.Softmax)]
public partial class PaddedCharRnn;

/// <summary>Windows with a target per position, some of them padding: what a padded language-model corpus gives.</summary>
internal sealed class PerStepSequences(int[][] inputs, int[][] targets) : ISequenceData
{
    public int Count => inputs.Length;
    public int SequenceLength => inputs[0].Length;
    public ReadOnlySpan<int> Sequence(int index) => inputs[index];
    public int Target(int index) => targets[index][^1];
    public void FillBatch(ReadOnlySpan<int> indices, Span<int> batchInputs, Span<int> batchTargets) =>
        throw new NotSupportedException("one target per window");
    public void FillBatchPerStep(ReadOnlySpan<int> indices, Span<int> batchInputs, Span<int> batchTargets)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            inputs[indices[i]].CopyTo(batchInputs.Slice(i * SequenceLength, SequenceLength));
            targets[indices[i]].CopyTo(batchTargets.Slice(i * SequenceLength, SequenceLength));
        }
    }
}

public class LossDefinitionTests
{
    // Right-padded, left-padded, unpadded and all-padding windows; targets are the next ids, 0 where they are padding.
    private static readonly int[][] Inputs =
    [
        [4, 2, 7, 1, 0, 0],
        [0, 0, 5, 1, 2, 6],
        [3, 3, 8, 6, 5, 2],
        [0, 0, 0, 0, 0, 0],
        [6, 1, 0, 0, 0, 0],
    ];
    private static readonly int[][] Targets =
    [
        [2, 7, 1, 3, 0, 0],
        [0, 5, 1, 2, 6, 8],
        [3, 8, 6, 5, 2, 4],
        [0, 0, 0, 0, 0, 0],
        [1, 5, 0, 0, 0, 0],
    ];

    private static int[] Flat(int[][] rows, params int[] pick) => pick.SelectMany(i => rows[i]).ToArray();

    /// <summary>The definition, in float64 from Predict's logits at each position: mean cross-entropy over targets ≠ 0.</summary>
    private static (double Loss, double Accuracy) ByHand(Model model, params int[] pick)
    {
        double total = 0;
        int scored = 0, correct = 0;
        var logits = new float[model.OutputSize];
        foreach (int b in pick)
            for (int t = 0; t < model.SequenceLength; t++)
            {
                int target = Targets[b][t];
                if (target == 0) continue;
                model.Predict(Inputs[b], logits, t);
                double max = logits.Max();
                double logSum = max + Math.Log(logits.Sum(z => Math.Exp(z - max)));
                total += logSum - logits[target];
                scored++;
                if (Array.IndexOf(logits, logits.Max()) == target) correct++;
            }
        return (total / scored, (double)correct / scored);
    }

    [Fact]
    public void Evaluate_and_TrainBatch_give_the_masked_mean_over_all_positions()
    {
        using var model = new PaddedDecoderLm(new ModelOptions { Seed = 4 });
        Assert.True(model.TargetsPerStep);
        Assert.True(model.IgnoresPaddingTargets);
        int[] batch = [0, 1, 2, 3, 4];
        var (expected, _) = ByHand(model, batch);
        double evaluated = model.Evaluate(Flat(Inputs, batch), Flat(Targets, batch));
        Assert.Equal(expected, evaluated, 5);

        // A learning rate of 0: the step reports its loss and changes nothing.
        model.Compile(new Sgd(0f));
        double trained = model.TrainBatch(Flat(Inputs, batch), Flat(Targets, batch));
        Assert.Equal(evaluated, trained, 12);
        Assert.Equal(evaluated, model.Evaluate(Flat(Inputs, batch), Flat(Targets, batch)), 12);
    }

    [Fact]
    public void Evaluate_Measure_and_Fit_score_every_position_with_padding_left_out()
    {
        using var model = new PaddedDecoderLm(new ModelOptions { Seed = 4 });
        var data = new PerStepSequences(Inputs, Targets);
        int[] all = [0, 1, 2, 3, 4];
        var (loss, accuracy) = ByHand(model, all);

        Assert.Equal(loss, model.Evaluate(data, batchSize: 2), 5);
        var measured = model.Measure(data, batchSize: 3);
        Assert.Equal(loss, measured.Loss, 5);
        Assert.Equal(accuracy, measured.Accuracy, 12);

        // Batches of 2 hold different numbers of real targets: the epoch's loss weighs each by what it scored.
        var history = model.Fit(data, new FitOptions { Epochs = 1, BatchSize = 2, Shuffle = false, Optimizer = new Sgd(0f) }, validation: data);
        Assert.Equal(loss, history.Last!.TrainingLoss, 5);
        Assert.Equal(loss, history.Last.ValidationLoss!.Value, 5);
    }

    [Fact]
    public void A_batch_of_padding_scores_nothing_and_moves_nothing()
    {
        using var model = new PaddedDecoderLm(new ModelOptions { Seed = 4 });
        model.Compile(new Sgd(0.5f));
        var before = model.Parameters.ToArray();
        Assert.Equal(0.0, model.TrainBatch(Flat(Inputs, 3), Flat(Targets, 3)));
        Assert.All(model.Gradients.ToArray(), g => Assert.Equal(0f, g));
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.True(double.IsNaN(model.Evaluate(new PerStepSequences([Inputs[3]], [Targets[3]]))));
    }

    [Fact]
    public void Evaluate_runs_without_dropout_and_draws_nothing_from_the_dropout_stream()
    {
        using var model = new PaddedCharRnn(new ModelOptions { Seed = 2 });
        int[] inputs = [1, 2, 3, 0, 0, 0, 4, 5, 6, 1];
        int[] targets = [2, 3, 0, 0, 0, 4, 5, 6, 1, 2];
        var state = model.DropoutRandom.GetState();
        double first = model.Evaluate(inputs, targets);
        Assert.Equal(first, model.Evaluate(inputs, targets));
        Assert.Equal(state, model.DropoutRandom.GetState());

        // The float64 interpreter with dropout off (no random stream) gives the same number.
        var program = Lowering.Lower(model.Declaration, ProgramKind.Train);
        var interpreter = new IrInterpreter(program, 2, model.Vocabulary);
        for (int i = 0; i < interpreter.Parameters.Length; i++) interpreter.Parameters[i] = model.Parameters[i];
        inputs.CopyTo(interpreter.Tokens, 0);
        targets.CopyTo(interpreter.Targets, 0);
        interpreter.Forward(rng: null);
        Assert.Equal(interpreter.Loss, first, 5);
    }

    [Fact]
    public void The_masked_loss_backward_matches_finite_differences_with_padded_positions()
    {
        using var model = new PaddedCharRnn(new ModelOptions { Seed = 3 });
        var program = Lowering.Lower(model.Declaration, ProgramKind.Train);
        const int batch = 3;
        var interpreter = new IrInterpreter(program, batch, model.Vocabulary);
        for (int i = 0; i < interpreter.Parameters.Length; i++) interpreter.Parameters[i] = model.Parameters[i];
        int[] tokens = [3, 1, 4, 0, 0, 0, 0, 5, 2, 6, 2, 2, 6, 1, 3];
        int[] targets = [1, 4, 0, 0, 0, 0, 5, 2, 6, 1, 2, 6, 1, 3, 4];
        tokens.CopyTo(interpreter.Tokens, 0);
        targets.CopyTo(interpreter.Targets, 0);
        var state = new Rng(5).GetState();
        double Loss()
        {
            var r = new Rng(0);
            r.SetState(state);
            interpreter.Forward(r);
            return interpreter.Loss;
        }

        // The padded positions add nothing: the loss is the mean over the 10 real targets of 15.
        Loss();
        interpreter.Backward();
        var analytic = (double[])interpreter.Gradients.Clone();
        var parameters = interpreter.Parameters;
        const double h = 1e-6;
        for (int i = 0; i < parameters.Length; i += Math.Max(1, parameters.Length / 60))
        {
            double saved = parameters[i];
            parameters[i] = saved + h;
            double up = Loss();
            parameters[i] = saved - h;
            double down = Loss();
            parameters[i] = saved;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 + 1e-4 * Math.Abs(numeric), $"parameter {i}: analytic {analytic[i]} vs numeric {numeric}");
        }

    }

    [Fact]
    public void Cpu_program_agrees_with_the_interpreter_on_padded_targets()
    {
        using var model = new PaddedDecoderLm(new ModelOptions { Seed = 4 });
        model.Compile(new Sgd(0f));
        int[] batch = [0, 1, 2, 4];
        double loss = model.TrainBatch(Flat(Inputs, batch), Flat(Targets, batch));
        var gradients = model.Gradients.ToArray();

        var interpreter = new IrInterpreter(Lowering.Lower(model.Declaration, ProgramKind.Train), batch.Length, model.Vocabulary);
        for (int i = 0; i < interpreter.Parameters.Length; i++) interpreter.Parameters[i] = model.Parameters[i];
        Flat(Inputs, batch).CopyTo(interpreter.Tokens, 0);
        Flat(Targets, batch).CopyTo(interpreter.Targets, 0);
        interpreter.Forward();
        interpreter.Backward();
        Assert.Equal(interpreter.Loss, loss, 5);
        Programs.ProgramHarness.AssertClose(gradients, interpreter.Gradients, 1e-3, 1e-6, "gradients");
    }
}

[Collection(GpuEmulatorCollection.Name)]
public class LossDefinitionGpuTests
{
    [Fact]
    public void The_gpu_program_masks_padding_as_the_cpu_does()
    {
        int[] inputs = [4, 2, 7, 1, 0, 0, 0, 0, 5, 1, 2, 6];
        int[] targets = [2, 7, 1, 3, 0, 0, 0, 5, 1, 2, 6, 8];
        double Run(Backend backend, out float[] gradients, out double evaluated)
        {
            using var model = new PaddedDecoderLm(new ModelOptions { Seed = 4, Backend = backend });
            evaluated = model.Evaluate(inputs, targets);
            model.Compile(new Sgd(0f));
            double loss = model.TrainBatch(inputs, targets);
            gradients = model.Gradients.ToArray();
            return loss;
        }
        double cpu = Run(Backend.Cpu, out var cpuGradients, out double cpuEvaluated);
        double gpu = Run(Backend.GpuEmulator, out var gpuGradients, out double gpuEvaluated);
        Assert.Equal(cpu, gpu, 4);
        Assert.Equal(cpuEvaluated, gpuEvaluated, 4);
        Assert.Equal(gpu, gpuEvaluated, 6);
        Programs.ProgramHarness.AssertClose(gpuGradients, cpuGradients.Select(g => (double)g).ToArray(), 1e-3, 1e-6, "gradients");
    }
}
