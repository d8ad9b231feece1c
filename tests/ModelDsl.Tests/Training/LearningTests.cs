using ModelDsl.Data;
using ModelDsl.Ir;
using ModelDsl.Tests.Models;
using ModelDsl.Text;
using ModelDsl.Training;

namespace ModelDsl.Tests.Training;

public class LearningTests
{
    [Fact]
    public void Loss_falls_below_the_bound_on_a_corpus_slice_in_a_fixed_number_of_steps()
    {
        // 30,000 characters, windows of 20 step 3, 120 steps of batch 64 with RMSprop(0.01): from ln(V) ≈ 3.4–4.1
        // to below 2.7 nats/char (a unigram model of English text is about 3.0; the LSTM must learn bigrams and more).
        // Measured here: Nietzsche 3.92 → 2.58; the synthetic fallback text 3.14 → 1.16. The margin leaves room for
        // another summation order (AVX-512, another thread count) without losing the test's point.
        var text = TestData.CorpusSlice(30_000);
        var tokenizer = CharTokenizer.FromText(text);
        var data = new WindowDataset(tokenizer.Encode(text), 20, 3);
        using var model = new SmallCharLstm(tokenizer.Size, new ModelOptions { Seed = 3 });
        double initial = model.Evaluate(data, 256);
        var history = model.Fit(data, new FitOptions { Epochs = 1, BatchSize = 64, StepsPerEpoch = 120, Optimizer = new RmsProp(0.01f) });
        double final = model.Evaluate(data, 256);
        Assert.True(initial > 3.0, $"initial loss {initial}");
        Assert.True(final < 2.7, $"loss after 120 steps: {final} (initial {initial}, training {history.Last!.TrainingLoss})");
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_weights_and_a_different_seed_does_not()
    {
        var text = TestData.CorpusSlice(4_000);
        var tokenizer = CharTokenizer.FromText(text);
        var data = new WindowDataset(tokenizer.Encode(text), 20, 3);
        float[] Train(ulong seed)
        {
            using var model = new SmallCharLstm(tokenizer.Size, new ModelOptions { Seed = seed });
            model.Fit(data, new FitOptions { Epochs = 2, BatchSize = 16, StepsPerEpoch = 5, Optimizer = new Adam(0.01f), ClipNorm = 1f });
            return model.Parameters.ToArray();
        }
        var a = Train(11);
        var b = Train(11);
        var c = Train(12);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Fit_reports_plain_progress_lines_when_output_is_redirected_and_calls_back_each_epoch()
    {
        var text = TestData.CorpusSlice(3_000);
        var tokenizer = CharTokenizer.FromText(text);
        var (train, validation) = new WindowDataset(tokenizer.Encode(text), 20, 3).SplitByPosition(0.1);
        using var model = new SmallCharLstm(tokenizer.Size);
        var output = new StringWriter();
        var epochs = new List<EpochResult>();
        model.Fit(train, new FitOptions { Epochs = 2, BatchSize = 32, StepsPerEpoch = 4, Progress = output, InteractiveProgress = false }, validation, epochs.Add);
        Assert.Equal(new[] { 1, 2 }, epochs.Select(e => e.Epoch));
        Assert.All(epochs, e => Assert.NotNull(e.ValidationLoss));
        Assert.DoesNotContain('\r', output.ToString());
        Assert.Contains("4/4", output.ToString());
        Assert.Equal(8, model.Step);
    }

    [Fact]
    public void Bad_fit_arguments_are_rejected_with_the_problem_named()
    {
        var tokens = Enumerable.Range(0, 200).Select(i => i % 5).ToArray();
        using var model = new SmallCharLstm(5);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(new WindowDataset(tokens, 20, 3), new FitOptions { BatchSize = 0 }));
        var e = Assert.Throws<ArgumentException>(() => model.Fit(new WindowDataset(tokens, 10, 3)));
        Assert.Contains("windows of 20", e.Message);
    }

    [Fact]
    public void Parameter_counts_equal_keras_for_the_seed_model()
    {
        using var model = new SeedCharLstm(vocabulary: 57);
        var layers = model.Layers();
        Assert.Equal(95_232, layers.Single(l => l.Name == "lstm").Parameters);
        Assert.Equal(7_353, layers.Single(l => l.Name == "dense").Parameters);
        Assert.Equal(102_585, model.ParameterCount);
        Assert.Contains("95,232", model.Summary());
        Assert.Contains("(None, 128)", model.Summary());
    }

    [Fact]
    public void Keras_initializers_give_the_forget_bias_and_an_orthogonal_recurrent_kernel()
    {
        using var model = new SeedCharLstm(vocabulary: 57);
        var bias = model.Parameter("lstm.bias");
        Assert.All(bias[..128].ToArray(), v => Assert.Equal(0f, v));
        Assert.All(bias[128..256].ToArray(), v => Assert.Equal(1f, v));
        Assert.All(bias[256..].ToArray(), v => Assert.Equal(0f, v));
        var u = model.Parameter("lstm.recurrent_kernel"); // [128, 512] with orthonormal rows
        for (int i = 0; i < 128; i += 17)
            for (int j = 0; j < 128; j += 13)
            {
                double dot = 0;
                for (int k = 0; k < 512; k++) dot += u[i * 512 + k] * u[j * 512 + k];
                Assert.Equal(i == j ? 1.0 : 0.0, dot, 4);
            }
        double limit = Math.Sqrt(6.0 / (57 + 512));
        Assert.All(model.Parameter("lstm.kernel").ToArray(), v => Assert.InRange(v, -limit, limit));
    }
}

public class TrainBatchStagingTests
{
    [Fact]
    public void TrainBatch_refuses_a_batch_larger_than_the_staged_program_instead_of_training_on_zeros()
    {
        using var model = new SmallCharLstm(5);
        model.Compile(new RmsProp());
        Assert.Throws<InvalidOperationException>(() => model.TrainBatch(4)); // nothing staged at all
        var program = model.GetProgram(ProgramKind.Train, 2);
        for (int i = 0; i < 2 * 20; i++) program.Tokens[i] = i % 5;
        var e = Assert.Throws<InvalidOperationException>(() => model.TrainBatch(4));
        Assert.Contains("GetProgram(ProgramKind.Train, 4)", e.Message);
        Assert.True(double.IsFinite(model.TrainBatch(2)));
    }

    [Fact]
    public void Evaluate_names_a_target_outside_the_output()
    {
        using var model = new TinyStack(); // vocabulary 11, output 9
        var tokens = new[] { 1, 2, 3, 4, 10, 5, 6, 7 };
        var e = Assert.ThrowsAny<ArgumentException>(() => model.Evaluate(new WindowDataset(tokens, 4, 1)));
        Assert.Contains("10", e.Message);
    }
}

public class RecurrentFamilyTests
{
    [Fact]
    public void Gru_and_simple_rnn_parameter_counts_and_shapes_equal_keras()
    {
        using var gru = new TinyGru(vocabulary: 57);
        Assert.Equal(3 * 6 * (57 + 6 + 2), gru.Layers().Single(l => l.Name == "gru").Parameters); // reset_after: two bias rows
        var bias = gru.ParameterTensors.Single(t => t.Name == "gru.bias");
        Assert.Equal(2, bias.Rows.Constant);
        Assert.Equal(18, bias.Cols.Constant);

        using var stack = new TinyRecurrentStack();
        var layers = stack.Layers();
        Assert.Equal(5 * 5 + 5 * 5 + 5, layers.Single(l => l.Name == "simple_rnn").Parameters);
        Assert.Equal(3 * 4 * (5 + 4 + 2), layers.Single(l => l.Name == "gru").Parameters);
        Assert.Equal("(None, 4, 4)", layers.Single(l => l.Name == "gru").OutputShape);
        Assert.Equal("(None, 3)", layers.Single(l => l.Name == "lstm").OutputShape);
    }

    [Fact]
    public void A_stack_of_every_recurrent_kind_learns_a_tiny_sequence_task()
    {
        // Target: the first token of the window; only a model that carries state across steps gets it right.
        var rng = new ModelDsl.Numerics.Rng(5);
        var tokens = new int[4000];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.NextInt(6);
        for (int i = 0; i + 4 < tokens.Length; i += 5) tokens[i + 4] = tokens[i];
        var data = new WindowDataset(tokens, 4, 5);
        using var model = new TinyRecurrentStack(new ModelOptions { Seed = 2 });
        double before = model.Evaluate(data);
        model.Fit(data, new FitOptions { Epochs = 12, BatchSize = 32, Optimizer = new Adam(0.02f) });
        double after = model.Evaluate(data);
        Assert.True(after < 0.5 * before, $"loss {before} → {after}");
    }
}

public class ClassifierTests
{
    [Fact]
    public void The_sentiment_shape_learns_a_tiny_separable_set_to_full_accuracy()
    {
        // Label 1 exactly when the "positive word" 3 occurs: separable, so training accuracy must reach 100%.
        var rng = new ModelDsl.Numerics.Rng(8);
        var sequences = new List<int[]>();
        var labels = new List<int>();
        for (int i = 0; i < 64; i++)
        {
            var s = new int[6];
            for (int t = 0; t < 6; t++) s[t] = 4 + rng.NextInt(8); // words 4..11
            int label = i % 2;
            if (label == 1) s[rng.NextInt(6)] = 3;
            sequences.Add(s);
            labels.Add(label);
        }
        var data = new LabelledSequences(sequences, labels);
        using var model = new TinySentiment(new ModelOptions { Seed = 4 });
        var (lossBefore, _) = model.Measure(data);
        model.Fit(data, new FitOptions { Epochs = 30, BatchSize = 16, Optimizer = new Adam(0.05f) });
        var (loss, accuracy) = model.Measure(data);
        Assert.Equal(1.0, accuracy);
        Assert.True(loss < 0.2 * lossBefore, $"loss {lossBefore} → {loss}");
    }

    [Fact]
    public void A_binary_target_other_than_0_or_1_is_named()
    {
        var data = new LabelledSequences(new[] { new[] { 1, 2, 3, 4, 5, 6 } }, new[] { 2 });
        using var model = new TinySentiment();
        var e = Assert.ThrowsAny<ArgumentException>(() => model.Fit(data));
        Assert.Contains("0..1", e.Message);
    }
}

public class FrozenEmbeddingTests
{
    [Fact]
    public void A_frozen_embedding_keeps_its_loaded_vectors_while_the_rest_trains()
    {
        using var model = new FrozenEmbedding(new ModelOptions { Seed = 3 });
        var table = model.Parameter("embedding.embeddings");
        for (int i = 0; i < table.Length; i++) table[i] = (i % 7) * 0.1f; // "pretrained" vectors
        var embeddings = table.ToArray();
        var lstm = model.Parameter("lstm.kernel").ToArray();
        var tokens = Enumerable.Range(0, 300).Select(i => (i * 7) % 9).ToArray();
        model.Fit(new WindowDataset(tokens, 4, 1), new FitOptions { Epochs = 1, BatchSize = 16, StepsPerEpoch = 5, Optimizer = new Adam(0.01f) });
        Assert.Equal(embeddings, model.Parameter("embedding.embeddings").ToArray());
        Assert.NotEqual(lstm, model.Parameter("lstm.kernel").ToArray());
        Assert.Contains("Non-trainable params: 45", model.Summary());
    }
}


public class BidirectionalTests
{
    [Fact]
    public void Bidirectional_gru_has_keras_parameters_names_and_width()
    {
        using var model = new TinyBiGru(vocabulary: 57);
        var layer = model.Layers().Single(l => l.Name == "bidirectional");
        Assert.Equal(2 * 3 * 4 * (57 + 4 + 2), layer.Parameters);
        Assert.Equal("(None, 8)", layer.OutputShape);
        Assert.Contains(model.ParameterTensors, t => t.Name == "bidirectional.forward_gru.kernel");
        Assert.Contains(model.ParameterTensors, t => t.Name == "bidirectional.backward_gru.recurrent_kernel");
        Assert.Equal(8 * 57 + 57, model.Layers().Single(l => l.Name == "dense").Parameters);
        Assert.Throws<NotSupportedException>(() => model.GetProgram(ModelDsl.Ir.ProgramKind.Step, 1));
    }

    [Fact]
    public void The_backward_direction_sees_the_future()
    {
        // Target: the LAST token of the window, read through a bidirectional layer that must carry it back to step 0.
        var rng = new ModelDsl.Numerics.Rng(3);
        var sequences = new List<int[]>();
        var labels = new List<int>();
        for (int i = 0; i < 200; i++)
        {
            var s = new int[5];
            for (int t = 0; t < 5; t++) s[t] = rng.NextInt(6);
            sequences.Add(s);
            labels.Add(s[4]);
        }
        var data = new LabelledSequences(sequences, labels);
        using var model = new TinyBiGru(vocabulary: 6, new ModelOptions { Seed = 1 });
        model.Fit(data, new FitOptions { Epochs = 25, BatchSize = 20, Optimizer = new Adam(0.03f) });
        Assert.True(model.Measure(data).Accuracy > 0.9);
    }
}

public class PerStepOutputTests
{
    [Fact]
    public void A_per_step_language_model_trains_on_every_position_with_fit()
    {
        var text = TestData.CorpusSlice(6_000);
        var tokenizer = CharTokenizer.FromText(text);
        var data = new WindowDataset(tokenizer.Encode(text), 5, 1);
        using var model = new TinyCharRnn(tokenizer.Size, new ModelOptions { Seed = 2 });
        Assert.True(Ir.Lowering.OutputIsPerStep(model.Declaration));
        var program = model.GetProgram(ProgramKind.Train, 8);
        Assert.Equal(8 * 5, program.Targets.Length);
        double before = model.Evaluate(data);
        var history = model.Fit(data, new FitOptions { Epochs = 1, BatchSize = 32, StepsPerEpoch = 60, Optimizer = new Adam(0.02f) });
        Assert.True(model.Evaluate(data) < before - 0.5, $"loss over every position {before} → {model.Evaluate(data)} (training {history.Last!.TrainingLoss})");
    }

    [Fact]
    public void Per_step_targets_need_next_token_data()
    {
        using var model = new TinyCharRnn(6);
        var data = new LabelledSequences(new[] { new[] { 1, 2, 3, 4, 5 } }, new[] { 1 });
        var e = Assert.Throws<NotSupportedException>(() => model.Fit(data));
        Assert.Contains("WindowDataset", e.Message);
    }
}

public class MaskTests
{
    [Fact]
    public void Padding_changes_no_output_and_gets_no_gradient()
    {
        using var model = new MaskedStack(new ModelOptions { Seed = 6 });
        var windows = new[] { new[] { 0, 0, 3, 5, 1, 7 }, new[] { 0, 0, 0, 0, 2, 4 }, new[] { 0, 6, 0, 2, 0, 3 } };
        float[] Outputs()
        {
            var all = new List<float>();
            var o = new float[8];
            foreach (var w in windows) { model.Predict(w, o); all.AddRange(o); }
            return all.ToArray();
        }
        var before = Outputs();
        var table = model.Parameter("embedding.embeddings");
        for (int c = 0; c < 4; c++) table[c] += 10f; // the padding row
        Assert.Equal(before, Outputs());

        var program = model.GetProgram(ProgramKind.Train, 3);
        for (int b = 0; b < 3; b++) { windows[b].CopyTo(program.Tokens.Slice(b * 6, 6)); program.Targets[b] = b + 1; }
        model.Gradients.Clear();
        program.Forward(3);
        program.Backward(3);
        var tensor = model.ParameterTensors.Single(t => t.Name == "embedding.embeddings");
        var gradients = model.Gradients.Slice((int)tensor.Offset.Evaluate(1, 8), 4 * 8);
        Assert.All(gradients[..4].ToArray(), g => Assert.Equal(0f, g));   // row 0: padding
        Assert.Contains(gradients[4..].ToArray(), g => g != 0f);           // real tokens learn
    }
}

public class PretrainedEmbeddingTests
{
    [Fact]
    public void Word2vec_vectors_load_into_a_frozen_embedding_and_a_wrong_shape_is_named()
    {
        string path = Path.Combine(Path.GetTempPath(), "modeldsl-w2v-" + Guid.NewGuid().ToString("N") + ".txt");
        try
        {
            // FrozenEmbedding: vocabulary 9, dimension 5. Words "a".."e" get ids 1..5; ids 6..8 stay missing.
            var lines = new List<string> { "5 5" };
            for (int w = 0; w < 5; w++) lines.Add(((char)('a' + w)) + " " + string.Join(" ", Enumerable.Range(0, 5).Select(k => ((w + 1) * 0.1 + k * 0.01).ToString(System.Globalization.CultureInfo.InvariantCulture))));
            File.WriteAllLines(path, lines);
            var index = Enumerable.Range(0, 5).ToDictionary(w => ((char)('a' + w)).ToString(), w => w + 1);
            var vectors = Word2Vec.LoadAligned(path, index, 9, MissingWordPolicy.Zeros);
            using var model = new FrozenEmbedding();
            model.LoadEmbeddings(vectors);
            Assert.Equal(0.2f, model.Parameter("embedding.embeddings")[2 * 5], 5);
            Assert.Equal(5, vectors.Found);

            var wrong = Word2Vec.LoadAligned(path, index, 7, MissingWordPolicy.Zeros);
            var e = Assert.Throws<ArgumentException>(() => model.LoadEmbeddings(wrong));
            Assert.Contains("[7, 5]", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_convolutional_shape_learns_where_a_word_pair_occurs()
    {
        // Label 1 exactly when the bigram (3, 4) occurs anywhere: a Conv1D window of 2 detects it and the max pooling
        // finds it at any position, which is what Keras's imdb_cnn relies on; an average would dilute it.
        var rng = new ModelDsl.Numerics.Rng(9);
        var sequences = new List<int[]>();
        var labels = new List<int>();
        for (int i = 0; i < 96; i++)
        {
            var s = new int[9];
            for (int t = 0; t < 9; t++) s[t] = 3 + rng.NextInt(9); // words 3..11, so the pair can also occur by chance
            int label = i % 2;
            int at = rng.NextInt(8);
            if (label == 1) { s[at] = 3; s[at + 1] = 4; }
            else
                for (int t = 0; t < 8; t++)
                    if (s[t] == 3 && s[t + 1] == 4) s[t + 1] = 5;
            sequences.Add(s);
            labels.Add(label);
        }
        var data = new LabelledSequences(sequences, labels);
        using var model = new ConvMaxPool(new ModelOptions { Seed = 3 });
        var (lossBefore, _) = model.Measure(data);
        model.Fit(data, new FitOptions { Epochs = 40, BatchSize = 16, Optimizer = new Adam(0.02f) });
        var (loss, accuracy) = model.Measure(data);
        Assert.True(accuracy >= 0.97, $"accuracy {accuracy}");
        Assert.True(loss < 0.3 * lossBefore, $"loss {lossBefore} → {loss}");
    }
}
