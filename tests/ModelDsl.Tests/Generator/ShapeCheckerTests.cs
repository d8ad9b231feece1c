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
        Assert.Equal(expected, ShapeChecker.ParameterCount(new LayerSpec(kind, units), inputWidth));

    [Fact]
    public void ValidStackHasNoDiagnostics()
    {
        var layers = new[]
        {
            Site(new LayerSpec(LayerKind.TokenInput, 20, Length: 32)),
            Site(new LayerSpec(LayerKind.Lstm, 64, ReturnSequences: true)),
            Site(new LayerSpec(LayerKind.Dropout, 0, Rate: 0.5)),
            Site(new LayerSpec(LayerKind.Lstm, 64)),
            Site(new LayerSpec(LayerKind.Dense, 10)),
        };
        Assert.Empty(ShapeChecker.Check("Stack", null, layers));
    }

    [Fact]
    public void LiteralMinusOneIsNotTheVocabularySymbol()
    {
        var layers = new[]
        {
            Site(new LayerSpec(LayerKind.TokenInput, SymbolicSize.Vocabulary, Length: 32), sizeIsSymbol: true),
            Site(new LayerSpec(LayerKind.Lstm, 8)),
            Site(new LayerSpec(LayerKind.Dense, SymbolicSize.Vocabulary), sizeIsSymbol: false),
        };
        var diagnostic = Assert.Single(ShapeChecker.Check("M", null, layers));
        Assert.Equal("MDSL0007", diagnostic.DescriptorId);
        Assert.Null(diagnostic.FilePath);
    }

    private static ShapeChecker.LayerSite Site(LayerSpec layer, bool sizeIsSymbol = false) => new(layer, null, sizeIsSymbol);
}
