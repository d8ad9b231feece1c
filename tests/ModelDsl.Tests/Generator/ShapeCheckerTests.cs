extern alias ModelDslGenerators;

using ModelDslGenerators::ModelDsl.Generators.Shapes;
using ModelDslGenerators::ModelDsl.Ir;
using Xunit;

namespace ModelDsl.Tests.Generator;

/// <summary>The shape checker alone, fed hand-built layers (no compilation): Keras parameter counts and the flow rules.</summary>
public sealed class ShapeCheckerTests
{
    [Theory]
    [InlineData(LayerKind.Lstm, 128, 57, 95_232)]        // one-hot input: 4·128·(57 + 128) + 4·128
    [InlineData(LayerKind.Dense, 57, 128, 7_353)]        // 128·57 + 57
    [InlineData(LayerKind.Embedding, 64, 1000, 64_000)]  // 1000·64
    [InlineData(LayerKind.Lstm, 64, 64, 33_024)]
    [InlineData(LayerKind.Dense, SymbolicSize.Vocabulary, 128, 0)]
    public void ParameterCountsFollowKeras(LayerKind kind, int units, int inputWidth, long expected) =>
        Assert.Equal(expected, ShapeChecker.ParameterCount(new LayerSpec(kind) { Size = units }, inputWidth));

    [Fact]
    public void ValidStackHasNoDiagnostics()
    {
        var layers = new[]
        {
            Site(new LayerSpec(LayerKind.TokenInput) { Size = 20, Length = 32 }),
            Site(new LayerSpec(LayerKind.Lstm) { Size = 64, ReturnSequences = true }),
            Site(new LayerSpec(LayerKind.Dropout) { Rate = 0.5 }),
            Site(new LayerSpec(LayerKind.Lstm) { Size = 64 }),
            Site(new LayerSpec(LayerKind.Dense) { Size = 10 }),
        };
        Assert.Empty(ShapeChecker.Check("Stack", null, layers));
    }

    [Fact]
    public void LiteralMinusOneIsNotTheVocabularySymbol()
    {
        // The Dense layer's home checks its units: -1 written as a number is not Dim.Vocabulary.
        var dense = new LayerSpec(LayerKind.Dense) { Size = SymbolicSize.Vocabulary };
        var problems = new ProblemSink();
        LayerDefinition.For(LayerKind.Dense).CheckArguments(dense, new Arguments(symbol: false), problems);
        Assert.Equal(ProblemCode.NonPositiveSize, Assert.Single(problems.Problems).Code);

        var symbolic = new ProblemSink();
        LayerDefinition.For(LayerKind.Dense).CheckArguments(dense, new Arguments(symbol: true), symbolic);
        Assert.Empty(symbolic.Problems);
    }

    [Fact]
    public void TheFlowIsComputedOnceAndReadByEveryone()
    {
        var layers = new[]
        {
            new LayerSpec(LayerKind.TokenInput) { Size = 20, Length = 32 },
            new LayerSpec(LayerKind.Embedding) { Size = 8, MaskZero = true },
            new LayerSpec(LayerKind.Lstm) { Size = 16, ReturnSequences = true, Bidirectional = true },
            new LayerSpec(LayerKind.Dense) { Size = 5 },
        };
        var flow = ShapeFlow.Compute(layers);
        Assert.Empty(flow.Problems);
        Assert.Equal("[32, 8]", flow.Outputs[1].ToString());
        Assert.True(flow.Outputs[2].Masked);
        Assert.Equal("[32, 32]", flow.Outputs[2].ToString());
        Assert.Equal("(None, 32, 5)", flow.Output.ToKerasString(20));
    }

    private static ShapeChecker.LayerSite Site(LayerSpec layer) => new(layer, null);

    private sealed class Arguments(bool symbol) : ILayerArguments
    {
        public int Int(string parameter) => 0;
        public bool Bool(string parameter) => false;
        public double Double(string parameter) => 0;
        public bool WrittenAsVocabulary(string parameter, bool whenOmitted = false) => symbol;
    }
}
