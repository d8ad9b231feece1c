using ModelDsl.Tests.Models;

namespace ModelDsl.Tests.Runtime;

/// <summary>A long layer type and a long output shape, to widen both text columns of the summary.</summary>
[Model]
[TokenInput(length: 12, vocabulary: 30)]
[Embedding(5)]
[Bidirectional]
[Gru(24, returnSequences: true)]
[Bidirectional]
[SimpleRnn(1000, returnSequences: true)]
[Dense(Dim.Vocabulary)]
public partial class LongSummaryRows;

public class SummaryTests
{
    [Fact]
    public void Columns_stay_apart_however_long_the_layer_type_or_shape()
    {
        using var model = new LongSummaryRows();
        var lines = model.Summary().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var layers = model.Layers();
        Assert.Equal("bidirectional (Bidirectional(Gru))", $"{layers[2].Name} ({layers[2].Kind})");
        foreach (var layer in layers)
        {
            var line = lines.Single(l => l.StartsWith($"{layer.Name} ({layer.Kind})", StringComparison.Ordinal));
            string rest = line[$"{layer.Name} ({layer.Kind})".Length..];
            Assert.StartsWith("  ", rest);
            string afterShape = rest.TrimStart()[layer.OutputShape.Length..];
            Assert.StartsWith(layer.OutputShape, rest.TrimStart());
            Assert.StartsWith("  ", afterShape);
            Assert.Equal(layer.Parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), afterShape.Trim());
        }
        // The rules span the widened table, and every row ends at the rule's end (the counts stay right-aligned).
        int width = lines.First(l => l.StartsWith('─')).Length;
        Assert.All(layers, layer => Assert.Equal(width, lines.Single(l => l.StartsWith($"{layer.Name} ", StringComparison.Ordinal)).Length));
    }

    [Fact]
    public void Short_rows_keep_the_keras_widths()
    {
        using var model = new TinyCharLstm(6);
        var lines = model.Summary().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(62, lines.First(l => l.StartsWith('─')).Length);
        Assert.Equal("lstm (Lstm)                 (None, 8)                      480", lines.Single(l => l.StartsWith("lstm ", StringComparison.Ordinal)));
    }
}
