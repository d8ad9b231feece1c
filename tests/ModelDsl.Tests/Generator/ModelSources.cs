namespace ModelDsl.Tests.Generator;

/// <summary>The model declarations the baseline and caching tests share.</summary>
internal static class ModelSources
{
    public const string CharLstm = """
        using ModelDsl;

        namespace Demo;

        [Model]
        [TokenInput(length: 60)]           // vocabulary bound at construction (Dim.Vocabulary)
        [Lstm(128)]
        [Dropout(0.2)]
        [Dense(Dim.Vocabulary, Activation.Softmax)]
        public partial class CharLstm;
        """;

    public const string WordEmbeddingLstm = """
        using ModelDsl;

        namespace Demo.Words;

        [Model]
        [TokenInput(length: 40, vocabulary: 1000)]
        [Embedding(64)]
        [Lstm(256)]
        [Dropout(0.2)]
        [Dense(Dim.Vocabulary, Activation.Softmax)]
        internal partial class WordEmbeddingLstm;
        """;

    public const string StackedLstm = """
        using ModelDsl;

        [Model]
        [TokenInput(length: 32, vocabulary: 20)]
        [Lstm(64, returnSequences: true)]
        [Lstm(64)]
        [Dense(10)]
        public partial class StackedLstm;
        """;

    /// <summary>The seeds' Bidirectional(GRU(100)) (hidden state 200) over embedded words.</summary>
    public const string BidirectionalGru = """
        using ModelDsl;

        namespace Demo.Recurrent;

        [Model]
        [TokenInput(length: 20)]
        [Embedding(64)]
        [Bidirectional]
        [Gru(100)]
        [Dense(Dim.Vocabulary, Activation.Softmax)]
        public partial class BidirectionalGru;
        """;

    /// <summary>Every baseline case: its name (the baseline file's stem) and its source.</summary>
    public static readonly IReadOnlyDictionary<string, string> BaselineCases = new Dictionary<string, string>
    {
        ["CharLstm"] = CharLstm,
        ["WordEmbeddingLstm"] = WordEmbeddingLstm,
        ["StackedLstm"] = StackedLstm,
        ["BidirectionalGru"] = BidirectionalGru,
    };
}
