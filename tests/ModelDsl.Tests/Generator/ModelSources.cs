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

    /// <summary>The seed's Transformer text generator: vocabulary 15,000, sequences of 100 (99 in, shifted targets), width 256, the two-attention block.</summary>
    public const string SeedTransformer = """
        using ModelDsl;

        namespace Demo.Transformer;

        [Model]
        [TokenInput(length: 99, vocabulary: 15000)]
        [PositionalEmbedding(256, length: 100, maskZero: true)]
        [TransformerDecoder(heads: 2, hidden: 2048, keySize: 256, attendToInput: true)]
        [Dense(Dim.Vocabulary, Activation.Softmax)]
        public partial class SeedTransformer;
        """;

    /// <summary>Keras's imdb_cnn sentiment model: Embedding, Dropout, Conv1D + ReLU, GlobalMaxPooling1D, a sigmoid output.</summary>
    public const string ConvClassifier = """
        using ModelDsl;

        namespace Demo.Sentiment;

        [Model]
        [TokenInput(length: 400, vocabulary: 5000)]
        [Embedding(50)]
        [Dropout(0.2)]
        [Conv1D(250, kernelSize: 3, activation: Activation.Relu)]
        [GlobalMaxPooling1D]
        [Dense(1, Activation.Sigmoid)]
        public partial class ConvClassifier;
        """;

    /// <summary>Every baseline case: its name (the baseline file's stem) and its source.</summary>
    public static readonly IReadOnlyDictionary<string, string> BaselineCases = new Dictionary<string, string>
    {
        ["CharLstm"] = CharLstm,
        ["WordEmbeddingLstm"] = WordEmbeddingLstm,
        ["StackedLstm"] = StackedLstm,
        ["BidirectionalGru"] = BidirectionalGru,
        ["SeedTransformer"] = SeedTransformer,
        ["ConvClassifier"] = ConvClassifier,
    };
}
