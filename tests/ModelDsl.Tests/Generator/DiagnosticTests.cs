extern alias ModelDslGenerators;

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using ModelDslGenerators::ModelDsl.Generators;
using ModelDslGenerators::ModelDsl.Generators.Diagnostics;
using ModelDslGenerators::ModelDsl.Generators.Model;
using Xunit;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// One test per diagnostic: each source marks where it expects a diagnostic (<c>{|MDSL0007:Lstm(0)|}</c>), and the
/// generator must report exactly those ids at exactly those spans (no more, no fewer).
/// </summary>
public sealed class DiagnosticTests
{
    private const string Header = "using ModelDsl;\nnamespace Demo;\n";

    [Fact]
    public void ValidModelHasNoDiagnostics()
    {
        var run = GeneratorHarness.Run(Header + """
            [Model]
            [TokenInput(length: 60)]
            [Lstm(128)]
            [Dropout(0.2)]
            [Dense(Dim.Vocabulary, Activation.Softmax)]
            public partial class CharLstm;
            """);

        Assert.Empty(run.ModelDiagnostics);
        Assert.Null(run.Result.Exception);
        Assert.Equal("Demo.CharLstm.g.cs", Assert.Single(run.Sources).HintName);
        if (GeneratorHarness.ReferenceRuntimeAssembly)
        {
            // The generated code uses the runtime's types, so it compiles only against the real assembly.
            Assert.Empty(run.Errors);
        }
    }

    [Fact]
    public void MDSL0020_UnsafeCodeNotAllowed()
    {
        var compilation = GeneratorHarness.CreateCompilation(allowUnsafe: false, Header + """
            [Model][TokenInput(60)][Lstm(128)][Dense(Dim.Vocabulary)]
            public partial class CharLstm;
            """);
        var run = GeneratorHarness.Run(compilation);
        var diagnostic = Assert.Single(run.ModelDiagnostics);
        Assert.Equal("MDSL0020", diagnostic.Id);
        Assert.Contains("AllowUnsafeBlocks", diagnostic.GetMessage());
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void MDSL0021_DenseNotLast() => Verify("""
        [Model][TokenInput(4)][Lstm(5)][{|MDSL0021:Dense(16)|}][Dropout(0.2)][Dense(Dim.Vocabulary)]
        public partial class M;
        """);

    [Fact]
    public void MDSL0022_SigmoidNeedsOneUnit() => Verify("""
        [Model][TokenInput(4)][Lstm(5)][{|MDSL0022:Dense(3, Activation.Sigmoid)|}]
        public partial class M;
        """);

    [Fact]
    public void MDSL0009_FlattenOfAVector()
    {
        Verify("[Model][TokenInput(4)][Lstm(5)][{|MDSL0009:Flatten|}][Dense(1, Activation.Sigmoid)] public partial class M;");
        var run = GeneratorHarness.Run(Header + "[Model][TokenInput(4)][Lstm(5)][Flatten][Dense(1, Activation.Sigmoid)] public partial class M;");
        Assert.Contains("returnSequences: true", run.ModelDiagnostics.Single().GetMessage());
    }

    [Fact]
    public void GruAfterAVectorNamesTheGru()
    {
        var run = GeneratorHarness.Run(Header + "[Model][TokenInput(4)][Lstm(5)][Gru(3)][Dense(2)] public partial class M;");
        var diagnostic = run.ModelDiagnostics.Single();
        Assert.Equal("MDSL0009", diagnostic.Id);
        Assert.Contains("Gru", diagnostic.GetMessage());
        Assert.Contains("previous Lstm", diagnostic.GetMessage());
    }

    [Fact]
    public void MDSL0023_BidirectionalAroundADense() => Verify("""
        [Model][TokenInput(4)][Lstm(5)][{|MDSL0023:Bidirectional|}][Dense(3)]
        public partial class M;
        """);

    [Fact]
    public void MDSL0023_BidirectionalLast() => Verify("""
        [Model][TokenInput(4)][Lstm(5)][Dense(3)][{|MDSL0023:Bidirectional|}]
        public partial class M;
        """);

    [Fact]
    public void MDSL0024_HeadsDoNotDivideTheWidth() => Verify("""
        [Model][TokenInput(10)][PositionalEmbedding(30)][{|MDSL0024:TransformerDecoder(heads: 4, hidden: 64)|}][Dense(Dim.Vocabulary)]
        public partial class M;
        """);

    [Fact]
    public void MDSL0024_AttentionHeadsDoNotDivideTheWidth() => Verify("""
        [Model][TokenInput(10)][PositionalEmbedding(10)][{|MDSL0024:MultiHeadAttention(3)|}][Dense(Dim.Vocabulary)]
        public partial class M;
        """);

    [Fact]
    public void An_explicit_key_size_need_not_divide_the_width()
    {
        // Keras's MultiHeadAttention takes any key_dim: the output projection maps heads·keySize back to the width.
        var run = GeneratorHarness.Run(Header + """
            [Model][TokenInput(10)][PositionalEmbedding(10)][MultiHeadAttention(3, keySize: 7)][Dense(Dim.Vocabulary)]
            public partial class M;
            """);
        Assert.Empty(run.ModelDiagnostics);
        Assert.Single(run.Sources);
    }

    [Fact]
    public void MDSL0025_SequenceLongerThanThePositionTable() => Verify("""
        [Model][TokenInput(120)][{|MDSL0025:PositionalEmbedding(32, length: 100)|}][TransformerDecoder(2, 64)][Dense(Dim.Vocabulary)]
        public partial class M;
        """);

    [Theory]
    [InlineData("[{|MDSL0007:TransformerDecoder(heads: 0, hidden: 64)|}]")]
    [InlineData("[{|MDSL0007:TransformerDecoder(heads: -2, hidden: 64)|}]")]
    [InlineData("[{|MDSL0007:MultiHeadAttention(0)|}]")]
    [InlineData("[{|MDSL0007:TransformerDecoder(2, hidden: 0)|}]")]
    [InlineData("[{|MDSL0007:MultiHeadAttention(2, keySize: -1)|}]")]
    public void MDSL0007_NonPositiveAttentionSizes(string layer) => Verify(
        "[Model][TokenInput(10)][PositionalEmbedding(32)]" + layer + "[Dense(Dim.Vocabulary)]\npublic partial class M;");

    [Fact]
    public void MDSL0026_AttentionOnTokenIds() => Verify("""
        [Model][TokenInput(10)][{|MDSL0026:TransformerDecoder(2, 64)|}][Dense(Dim.Vocabulary)]
        public partial class M;
        """);

    [Fact]
    public void MDSL0026_LayerNormalizationOnAVector() => Verify("""
        [Model][TokenInput(10)][Embedding(8)][Lstm(8)][{|MDSL0026:LayerNormalization|}][Dense(3)]
        public partial class M;
        """);

    [Fact]
    public void MDSL0026_PositionalEmbeddingNotAfterTheInput() => Verify("""
        [Model][TokenInput(10)][Embedding(8)][{|MDSL0026:PositionalEmbedding(8)|}][Dense(Dim.Vocabulary)]
        public partial class M;
        """);

    [Fact]
    public void MDSL0001_ClassNotPartial() => Verify("""
        [Model][TokenInput(60)][Lstm(128)][Dense(Dim.Vocabulary)]
        public class {|MDSL0001:CharLstm|};
        """);

    [Theory]
    [InlineData("public partial class {|MDSL0002:M|}<T>;", "generic")]
    [InlineData("public static partial class {|MDSL0002:M|};", "static")]
    [InlineData("public abstract partial class {|MDSL0002:M|};", "abstract")]
    [InlineData("public partial record class {|MDSL0002:M|};", "a record")]
    [InlineData("public partial record {|MDSL0002:M|};", "a record")]
    [InlineData("file partial class {|MDSL0002:M|};", "file-local")]
    public void MDSL0002_ClassShapeNotSupported(string declaration, string reason)
    {
        var diagnostic = Verify("[Model][TokenInput(60)][Lstm(8)][Dense(4)]\n" + declaration);
        Assert.Contains("is " + reason, diagnostic.GetMessage());
    }

    [Fact]
    public void MDSL0002_NestedClass()
    {
        var diagnostic = Verify("""
            public partial class Outer
            {
                [Model][TokenInput(60)][Lstm(8)][Dense(4)]
                public partial class {|MDSL0002:Inner|};
            }
            """);
        Assert.Contains("nested in 'Outer'", diagnostic.GetMessage());
    }

    [Fact]
    public void MDSL0003_NoLayers() => Verify("[Model] public partial class {|MDSL0003:Empty|};");

    [Fact]
    public void MDSL0004_NoTokenInput() => Verify("[Model][Lstm(8)][Dense(4)] public partial class {|MDSL0004:M|};");

    [Fact]
    public void MDSL0005_TokenInputNotFirst() => Verify("""
        [Model]
        [Lstm(8)]
        [{|MDSL0005:TokenInput(60)|}]
        [Dense(4)]
        public partial class M;
        """);

    [Fact]
    public void MDSL0006_SecondTokenInput() => Verify("""
        [Model, TokenInput(60), Lstm(8), {|MDSL0006:TokenInput(30)|}, Dense(4)]
        public partial class M;
        """);

    [Theory]
    [InlineData("[TokenInput(60)][{|MDSL0007:Lstm(0)|}][Dense(4)]", "Lstm units must be positive but is 0")]
    [InlineData("[{|MDSL0007:TokenInput(0)|}][Lstm(8)][Dense(4)]", "TokenInput length must be positive")]
    [InlineData("[{|MDSL0007:TokenInput(60, -1)|}][Lstm(8)][Dense(4)]", "TokenInput vocabulary must be positive but is -1")]
    [InlineData("[{|MDSL0007:TokenInput(60, vocabulary: -5)|}][Lstm(8)][Dense(4)]", "or Dim.Vocabulary")]
    [InlineData("[TokenInput(60)][{|MDSL0007:Embedding(-3)|}][Lstm(8)][Dense(4)]", "Embedding dimension must be positive")]
    [InlineData("[TokenInput(60)][Lstm(8)][{|MDSL0007:Dense(-1)|}]", "Dense units must be positive but is -1")]
    public void MDSL0007_NonPositiveSize(string layers, string message)
    {
        var diagnostic = Verify("[Model]" + layers + " public partial class M;");
        Assert.Contains(message, diagnostic.GetMessage());
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("1")]
    [InlineData("-0.1")]
    [InlineData("double.NaN")]
    public void MDSL0008_DropoutRateOutOfRange(string rate) =>
        Verify("[Model][TokenInput(60)][Lstm(8)][{|MDSL0008:Dropout(" + rate + ")|}][Dense(4)] public partial class M;");

    [Fact]
    public void MDSL0009_LstmAfterLstmWithoutSequences()
    {
        var diagnostic = Verify("""
            [Model]
            [TokenInput(60)]
            [Lstm(128)]
            [Dropout(0.2)]
            [{|MDSL0009:Lstm(64)|}]
            [Dense(4)]
            public partial class M;
            """);
        Assert.Equal("Lstm needs a sequence but gets a vector [128]; set returnSequences: true on the previous Lstm", diagnostic.GetMessage());
    }

    [Fact]
    public void MDSL0009_LstmAfterDense()
    {
        Verify("[Model][TokenInput(60)][Lstm(8)][{|MDSL0021:Dense(16)|}][{|MDSL0009:Lstm(8)|}][Dense(4)] public partial class M;");
        var run = GeneratorHarness.Run(Header + "[Model][TokenInput(60)][Lstm(8)][Dense(16)][Lstm(8)][Dense(4)] public partial class M;");
        Assert.Contains("move the Lstm before it", run.ModelDiagnostics.Single(d => d.Id == "MDSL0009").GetMessage());
    }

    [Fact]
    public void MDSL0010_SigmoidDenseOverSequence()
    {
        var diagnostic = Verify("[Model][TokenInput(60)][Lstm(128, returnSequences: true)][{|MDSL0010:Dense(1, Activation.Sigmoid)|}] public partial class M;");
        Assert.Equal(
            "Dense needs a vector but gets a sequence [60, 128] with a sigmoid; set returnSequences: false on the previous recurrent layer",
            diagnostic.GetMessage());
    }

    [Fact]
    public void A_last_Dense_over_a_sequence_is_per_step_and_valid()
    {
        var run = GeneratorHarness.Run(Header + "[Model][TokenInput(60)][Lstm(128, returnSequences: true)][Dense(Dim.Vocabulary, Activation.Softmax)] public partial class M;");
        Assert.Empty(run.ModelDiagnostics);
    }

    [Fact]
    public void MDSL0010_DenseOverTokenIds()
    {
        var diagnostic = Verify("[Model][TokenInput(60)][{|MDSL0010:Dense(4)|}] public partial class M;");
        Assert.Contains("gets token ids [60]; add an [Lstm(units)] between TokenInput and Dense", diagnostic.GetMessage());
    }

    [Fact]
    public void MDSL0011_EmbeddingNotAfterInput() => Verify("""
        [Model]
        [TokenInput(60)]
        [Lstm(8, returnSequences: true)]
        [{|MDSL0011:Embedding(16)|}]
        [Lstm(8)]
        [Dense(4)]
        public partial class M;
        """);

    [Fact]
    public void MDSL0012_DropoutOnTokenIds() =>
        Verify("[Model][TokenInput(60)][{|MDSL0012:Dropout(0.1)|}][Lstm(8)][Dense(4)] public partial class M;");

    [Fact]
    public void MDSL0013_LastLayerNotDense() =>
        Verify("[Model][TokenInput(60)][Lstm(8)][{|MDSL0013:Dropout(0.1)|}] public partial class M;");

    [Theory]
    [InlineData("[TokenInput(60)][{|MDSL0014:Lstm(Dim.Vocabulary)|}][Dense(4)]")]
    [InlineData("[TokenInput(60)][{|MDSL0014:Embedding((Dim.Vocabulary))|}][Lstm(8)][Dense(4)]")]
    [InlineData("[{|MDSL0014:TokenInput(length: Dim.Vocabulary)|}][Lstm(8)][Dense(4)]")]
    public void MDSL0014_VocabularyNotAllowed(string layers) => Verify("[Model]" + layers + " public partial class M;");

    [Fact]
    public void MDSL0015_TooManyParameters()
    {
        // 4·30000·(1000 + 30000) + 4·30000 + (30000·2 + 2) = 3,720,180,002.
        var diagnostic = Verify("[Model][TokenInput(60, 1000)][Lstm(30000)][Dense(2)] public partial class {|MDSL0015:M|};");
        Assert.Equal("Model 'M' has 3,720,180,002 parameters; at most 2,147,483,647 are supported: make the layers smaller", diagnostic.GetMessage());
    }

    [Fact]
    public void MDSL0015_CountsOnlyTheFixedPartOfASymbolicVocabulary()
    {
        // Without V: 4·30000·30000 + 4·30000 = 3,600,120,000 (the one-hot input and the Dense weights grow with V).
        var diagnostic = Verify("[Model][TokenInput(60)][Lstm(30000)][Dense(Dim.Vocabulary)] public partial class {|MDSL0015:M|};");
        Assert.Contains("has 3,600,120,000 parameters without the weights that grow with the vocabulary", diagnostic.GetMessage());
    }

    [Fact]
    public void MDSL0016_ActivationBufferTooLarge()
    {
        var diagnostic = Verify("[Model][TokenInput(100000, 50)][{|MDSL0016:Lstm(6000)|}][Dense(2)] public partial class M;");
        Assert.Contains("2,400,000,000 values for one sample (4 gates × 100,000 steps × 6,000 units)", diagnostic.GetMessage());
    }

    [Fact]
    public void MDSL0016_EmbeddingTooLarge() =>
        Verify("[Model][TokenInput(100000, 50)][{|MDSL0016:Embedding(30000)|}][Lstm(8)][Dense(2)] public partial class M;");

    [Fact]
    public void MDSL0017_LayerOnAnotherPartialDeclaration() => Verify(
        Header + "[Model][TokenInput(60)][Lstm(8)][Dense(4)] public partial class M;",
        Header + "[{|MDSL0017:Dropout(0.1)|}] public partial class M;");

    [Fact]
    public void MDSL0018_UnknownLayer() => Verify("""
        public sealed class ConvAttribute : LayerAttribute;

        [Model][TokenInput(60)][{|MDSL0018:Conv|}][Lstm(8)][Dense(4)]
        public partial class M;
        """);

    [Fact]
    public void MDSL0019_UnknownActivation() =>
        Verify("[Model][TokenInput(60)][Lstm(8)][{|MDSL0019:Dense(4, (Activation)7)|}] public partial class M;");

    [Fact]
    public void MDSL0019_ReluIsForConv1DNotDense() =>
        Verify("[Model][TokenInput(6)][Embedding(4)][Conv1D(3, 2, activation: Activation.Relu)][Flatten][{|MDSL0019:Dense(4, Activation.Relu)|}] public partial class M;");

    [Fact]
    public void MDSL0019_SoftmaxIsNotAConv1DActivation() =>
        Verify("[Model][TokenInput(6)][Embedding(4)][{|MDSL0019:Conv1D(3, 2, activation: Activation.Softmax)|}][Flatten][Dense(4)] public partial class M;");

    [Fact]
    public void MDSL0007_Conv1DSizes() =>
        Verify("[Model][TokenInput(6)][Embedding(4)][{|MDSL0007:Conv1D(0, kernelSize: 2, padding: Padding.Same)|}][Flatten][Dense(4)] public partial class M;");

    [Fact]
    public void MDSL0029_Conv1DWindowLongerThanTheSequence()
    {
        var diagnostic = Verify("[Model][TokenInput(6)][Embedding(4)][{|MDSL0029:Conv1D(3, kernelSize: 4, dilation: 2)|}][Flatten][Dense(4)] public partial class M;");
        Assert.Contains("covers 7 steps (kernelSize 4, dilation 2) but its input has 6", diagnostic.GetMessage());
    }

    [Fact]
    public void MDSL0030_Conv1DAfterAMaskingEmbedding() =>
        Verify("[Model][TokenInput(6)][Embedding(4, maskZero: true)][{|MDSL0030:Conv1D(3, 2, padding: Padding.Same)|}][Flatten][Dense(4)] public partial class M;");

    [Fact]
    public void MDSL0031_StridedDilatedConv1D() =>
        Verify("[Model][TokenInput(9)][Embedding(4)][{|MDSL0031:Conv1D(3, 2, strides: 2, padding: Padding.Same, dilation: 2)|}][Flatten][Dense(4)] public partial class M;");

    [Fact]
    public void MDSL0031_PaddingOutsideTheEnum() =>
        Verify("[Model][TokenInput(9)][Embedding(4)][{|MDSL0031:Conv1D(3, 1, padding: (Padding)5)|}][Lstm(4)][Dense(4)] public partial class M;");

    [Fact]
    public void MDSL0032_LstmAfterAConv1DThatShortensTheSequence() =>
        Verify("[Model][TokenInput(9)][Embedding(4)][Conv1D(3, kernelSize: 3)][{|MDSL0032:Lstm(4)|}][Dense(4)] public partial class M;");

    [Fact]
    public void MDSL0026_Conv1DOnTokenIds() =>
        Verify("[Model][TokenInput(9)][{|MDSL0026:Conv1D(3, kernelSize: 3, padding: Padding.Same)|}][Flatten][Dense(4)] public partial class M;");

    [Fact]
    public void MDSL0026_PoolingAVector() =>
        Verify("[Model][TokenInput(9)][Embedding(4)][Lstm(4)][{|MDSL0026:GlobalMaxPooling1D|}][Dense(4)] public partial class M;");

    [Fact]
    public void Pooling_takes_a_shortened_sequence_and_a_mask()
    {
        var run = GeneratorHarness.Run(Header + """
            [Model][TokenInput(9)][Embedding(4)][Conv1D(3, kernelSize: 4, strides: 2)][GlobalAveragePooling1D][Dense(2)]
            public partial class Shortened;
            [Model][TokenInput(9)][Embedding(4, maskZero: true)][GlobalMaxPooling1D][Dense(2)]
            public partial class Masked;
            """);
        Assert.Empty(run.ModelDiagnostics);
        if (GeneratorHarness.ReferenceRuntimeAssembly) Assert.Empty(run.Errors);
    }

    [Fact]
    public void MDSL9999_UnexpectedExceptionBecomesADiagnostic()
    {
        var tree = CSharpSyntaxTree.ParseText("class Broken { }", GeneratorHarness.ParseOptions, path: "Broken.cs");
        var location = Location.Create(tree, new TextSpan(6, 6));

        var (model, diagnostics) = ModelGenerator.Guard("Broken", location, () => throw new InvalidOperationException("boom"));

        Assert.Null(model);
        var diagnostic = Assert.Single(diagnostics).ToDiagnostic();
        Assert.Equal("MDSL9999", diagnostic.Id);
        Assert.Equal(new TextSpan(6, 6), diagnostic.Location.SourceSpan);
        Assert.Equal("Broken.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Contains("InvalidOperationException: boom", diagnostic.GetMessage());
    }

    [Fact]
    public void DenseVocabularyResolvesToAFixedInputVocabulary()
    {
        var run = GeneratorHarness.Run(Header + "[Model][TokenInput(60, 1000)][Embedding(64)][Lstm(256)][Dense(Dim.Vocabulary, Activation.Softmax)] public partial class M;");

        Assert.Empty(run.ModelDiagnostics);
        var model = Assert.IsType<ModelDeclaration>(run.Result.TrackedSteps[TrackingNames.ValidModels].Single().Outputs.Single().Value);
        Assert.Equal(1000, model.Layers[3].Size);
        Assert.Equal(1000, model.Layers[0].Size);
    }

    [Fact]
    public void EveryDescriptorIsDocumentedAndTracked()
    {
        var docs = File.ReadAllText(Path.Combine(GeneratorHarness.RepositoryRoot, "docs", "diagnostics.md"));
        var unshipped = File.ReadAllText(Path.Combine(GeneratorHarness.RepositoryRoot, "generators", "ModelDsl.Generators", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in DiagnosticDescriptors.Descriptors)
        {
            Assert.Contains("| " + descriptor.Id + " |", docs);
            Assert.Contains(descriptor.Id + " | ModelDsl | " + descriptor.DefaultSeverity, unshipped);
        }
    }

    /// <summary>Runs the generator over marked-up sources and asserts the MDSL diagnostics match the markers exactly.</summary>
    /// <returns>The first expected diagnostic, for message checks.</returns>
    private static Diagnostic Verify(params string[] markedSources)
    {
        var markups = markedSources
            .Select(source => Markup.Parse(source.StartsWith("using ModelDsl;", StringComparison.Ordinal) ? source : Header + source))
            .ToArray();
        var run = GeneratorHarness.Run(markups.Select(markup => markup.Source).ToArray());

        var expected = markups
            .SelectMany((markup, index) => markup.Expected.Select(e => Describe(e.Id, GeneratorHarness.SourcePath(index), markup.Source, e.Span)))
            .ToList();
        var actual = run.ModelDiagnostics
            .Select(d => Describe(d.Id, d.Location.GetLineSpan().Path, SourceOf(run, d), d.Location.SourceSpan) + CheckLineSpan(run, d))
            .ToList();
        Assert.True(
            expected.Order().SequenceEqual(actual.Order()),
            "Expected:\n  " + string.Join("\n  ", expected) + "\nActual:\n  " + string.Join("\n  ", actual)
            + "\nMessages:\n  " + string.Join("\n  ", run.ModelDiagnostics.Select(d => d.GetMessage())));
        Assert.All(run.ModelDiagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));

        // A model with errors generates nothing.
        Assert.Empty(run.Sources);
        var first = markups.SelectMany(m => m.Expected).First();
        return run.ModelDiagnostics.First(d => d.Id == first.Id);
    }

    private static string SourceOf(GeneratorRun run, Diagnostic diagnostic) =>
        run.Input.SyntaxTrees.Single(tree => tree.FilePath == diagnostic.Location.GetLineSpan().Path).ToString();

    private static string Describe(string id, string path, string source, TextSpan span) =>
        id + " at " + path + " " + span + " '" + source.Substring(span.Start, span.Length) + "'";

    // The reported line/column must agree with the span (they travel separately through DiagnosticInfo).
    private static string CheckLineSpan(GeneratorRun run, Diagnostic diagnostic)
    {
        var tree = run.Input.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);
        var fromTree = tree.GetLineSpan(diagnostic.Location.SourceSpan).Span;
        return fromTree == diagnostic.Location.GetLineSpan().Span ? "" : " (line span " + diagnostic.Location.GetLineSpan().Span + " != " + fromTree + ")";
    }
}
