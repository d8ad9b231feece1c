using System.Text;
using ModelDsl.Data;
using ModelDsl.Ir;
using ModelDsl.Tests.Models;
using ModelDsl.Tests.Runtime;
using ModelDsl.Text;

namespace ModelDsl.Tests.Reliability;

/// <summary>Bad input at every boundary gets a clear error naming the problem, and no state is changed.</summary>
public sealed class BadInputTests
{
    private static string ReadCorpus(byte[] bytes)
    {
        using var dir = new TemporaryDirectory();
        string path = dir.File("corpus.txt");
        File.WriteAllBytes(path, bytes);
        return TextNormalization.ReadCorpus(path, lowerCase: false);
    }

    /// <summary>Weights, optimizer, step and the three random streams of <paramref name="model"/>, to compare before and after.</summary>
    private static object Snapshot(Model model) => (
        string.Join(",", model.Parameters.ToArray()), model.Step, model.Optimizer, string.Join(",", model.OptimizerState.ToArray()),
        string.Join(",", model.DropoutRandom.GetState()), string.Join(",", model.ShuffleRandom.GetState()), string.Join(",", model.SamplingRandom.GetState()));

    [Fact]
    public void Out_of_range_token_ids_are_refused_before_any_kernel_sees_them()
    {
        using var model = new TinyStack(new ModelOptions { Seed = 1 });
        int[] good = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1];
        var data = new WindowDataset(good, 4, 1);
        model.Fit(data, new FitOptions { BatchSize = 2, StepsPerEpoch = 1 });
        var before = Snapshot(model);

        // Predict: the window is checked.
        var output = new float[9];
        Assert.Contains("Token id 11 at row 0, step 2", Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict([1, 2, 11, 3], output)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict([-1, 2, 3, 3], output));
        // A batch staged by hand for TrainBatch: the token and the target are checked before forward.
        var program = model.GetProgram(ProgramKind.Train, 2);
        new[] { 1, 2, 3, 4, 5, 6, 7, 11 }.CopyTo(program.Tokens);
        Assert.Contains("Token id 11 at row 1, step 3", Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainBatch(2)).Message);
        new[] { 1, 2, 3, 4, 5, 6, 7, 8 }.CopyTo(program.Tokens);
        program.Targets[0] = 9;
        Assert.Contains("Target id 9 at position 0 is outside 0..8", Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainBatch(2)).Message);
        // Fit checks the whole data set before the first step, so a bad id late in the data cannot stop a run halfway.
        int[] badLate = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 11];
        var e = Assert.Throws<ArgumentException>(() => model.Fit(new WindowDataset(badLate, 4, 1), new FitOptions { BatchSize = 2 }));
        Assert.Contains("Window 18 of the training set has target id 11, outside the model's classes 0..8", e.Message);
        int[] badInput = [1, 2, 11, 4, 5, 6, 7, 8, 0, 1];
        Assert.Contains("Window 0 of the training set holds token id 11 at step 2, outside the vocabulary 0..10",
            Assert.Throws<ArgumentException>(() => model.Fit(new WindowDataset(badInput, 4, 1), new FitOptions { BatchSize = 2 })).Message);
        Assert.Contains("validation set", Assert.Throws<ArgumentException>(() => model.Fit(data, new FitOptions(), new WindowDataset(badLate, 4, 1))).Message);
        // Generation: the prompt is checked.
        using var chars = new TinyCharLstm(vocabulary: 5);
        Assert.Contains("Prompt token 5", Assert.Throws<ArgumentOutOfRangeException>(() => chars.Generate([1, 5], 3, 1f)).Message);

        Assert.Equal(before, Snapshot(model));
    }

    [Fact]
    public void An_empty_corpus_or_one_shorter_than_a_window_is_named()
    {
        Assert.Contains("is empty", Assert.Throws<InvalidDataException>(() => ReadCorpus([])).Message);
        Assert.Contains("only a byte-order mark", Assert.Throws<InvalidDataException>(() => ReadCorpus([0xEF, 0xBB, 0xBF])).Message);
        Assert.Contains("has 0 tokens", Assert.Throws<ArgumentException>(() => new WindowDataset([], 5, 1)).Message);
        Assert.Contains("has 5 tokens, but a window of 5 needs at least 6", Assert.Throws<ArgumentException>(() => new WindowDataset([1, 2, 3, 4, 0], 5, 1)).Message);
        // An empty vocabulary (from an empty text) cannot make a model.
        Assert.Contains("vocabulary must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new TinyCharLstm(CharTokenizer.FromText("").Size)).Message);
    }

    [Fact]
    public void Invalid_utf8_is_an_error_with_its_byte_offset_and_line_ends_and_bom_are_normalised()
    {
        var e = Assert.Throws<InvalidDataException>(() => ReadCorpus([(byte)'a', (byte)'b', 0xC3, 0x28, (byte)'c']));
        Assert.Contains("not valid UTF-8", e.Message);
        Assert.Contains("byte offset 2", e.Message);
        // A truncated multi-byte sequence at the end, and an overlong encoding.
        Assert.Contains("byte offset 1", Assert.Throws<InvalidDataException>(() => ReadCorpus([(byte)'a', 0xE2, 0x82])).Message);
        Assert.Contains("byte offset 0", Assert.Throws<InvalidDataException>(() => ReadCorpus([0xC0, 0xAF])).Message);
        // BOM stripped; CRLF, CR, NEL, U+2028 and U+2029 all become \n.
        var text = ReadCorpus([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("a\r\nb\rc\u0085d\u2028e\u2029f")]);
        Assert.Equal("a\nb\nc\nd\ne\nf", text);
    }

    [Fact]
    public void A_prompt_with_characters_outside_the_vocabulary_names_the_first_one_and_where_it_is()
    {
        var tokenizer = CharTokenizer.FromText("hello world");
        var e = Assert.Throws<ArgumentException>(() => tokenizer.Encode("hello, world"));
        Assert.Contains("','", e.Message);
        Assert.Contains("U+002C", e.Message);
        Assert.Contains("position 5", e.Message);
        // Control characters are shown by code point only.
        Assert.Contains("(U+0007) at position 1", Assert.Throws<ArgumentException>(() => tokenizer.Encode("h\u0007")).Message);
    }

    [Fact]
    public void Temperature_must_be_a_number_at_least_zero_and_zero_is_greedy()
    {
        using var model = new TinyCharLstm(vocabulary: 5, new ModelOptions { Seed = 2 });
        var before = Snapshot(model);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate([1, 2], 4, -0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate([1, 2], 4, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate([1, 2], 4, float.NegativeInfinity));
        Assert.Equal(before, Snapshot(model));
        // T = 0 (or ≤ 1e-6) is greedy: no random draw, the same tokens every time.
        var greedy = model.Generate([1, 2], 6, 0f);
        Assert.Equal(greedy, model.Generate([1, 2], 6, 1e-7f));
        Assert.Equal(before, Snapshot(model));
        // T = +∞ is the uniform limit, still valid ids.
        Assert.All(model.Generate([1, 2], 50, float.PositiveInfinity), id => Assert.InRange(id, 0, 4));
    }

    [Fact]
    public void Batch_sizes_and_counts_must_be_positive()
    {
        using var model = new TinyStack();
        var data = new WindowDataset([1, 2, 3, 4, 5, 6, 7, 8], 4, 1);
        var before = Snapshot(model);
        Assert.Contains("BatchSize must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new FitOptions { BatchSize = 0 })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new FitOptions { BatchSize = -3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new FitOptions { StepsPerEpoch = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new FitOptions { Epochs = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Evaluate(data, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.GetProgram(ProgramKind.Train, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.GetProgram(ProgramKind.Train, 2).Forward(3));
        Assert.Throws<ArgumentException>(() => model.Fit(new WindowDataset([1, 2, 3, 4, 5, 6], 5, 1)));
        Assert.Equal(before, Snapshot(model));
    }
}
