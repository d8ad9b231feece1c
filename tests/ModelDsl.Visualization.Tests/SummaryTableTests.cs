using Spectre.Console;
using Spectre.Console.Testing;

namespace ModelDsl.Visualization.Tests;

public sealed class SummaryTableTests
{
    [Fact]
    public void Lists_each_layer_with_keras_parameter_counts_and_the_total()
    {
        using var model = new KerasCharLstm(vocabulary: 57);
        var console = new TestConsole().Width(120);
        console.Write(SummaryTable.Render(model));
        string[] lines = console.Output.Split('\n');

        Assert.Contains(lines, l => l.Contains("Model: \"KerasCharLstm\""));
        Assert.Contains(lines, l => l.Contains("Layer (type)") && l.Contains("Output Shape") && l.Contains("Param #"));
        Assert.Contains(lines, l => l.Contains("input (TokenInput)") && l.Contains("(None, 60)") && l.Contains(" 0 "));
        Assert.Contains(lines, l => l.Contains("lstm (Lstm)") && l.Contains("(None, 128)") && l.Contains("95,232"));
        Assert.Contains(lines, l => l.Contains("dense (Dense)") && l.Contains("(None, 57)") && l.Contains("7,353"));
        Assert.Contains(lines, l => l.Contains("Total params") && l.Contains("102,585"));
        Assert.Contains(lines, l => l.Contains("Trainable params: 102,585"));
    }

    [Fact]
    public void Counts_a_frozen_embedding_as_non_trainable_as_the_plain_summary_does()
    {
        using var model = new FrozenEmbeddingLstm();
        var console = new TestConsole().Width(120);
        console.Write(SummaryTable.Render(model));
        long trainable = model.ParameterCount - 45;
        Assert.Contains($"Trainable params: {trainable:N0}", console.Output);
        Assert.Contains("Non-trainable params: 45", console.Output);
        Assert.Contains($"Trainable params: {trainable:N0}", model.Summary());
    }

    [Fact]
    public void Has_a_row_per_layer_in_declaration_order()
    {
        using var model = new TinyCharLstm(vocabulary: 5);
        var table = SummaryTable.Render(model);
        Assert.Equal(model.Layers().Count, table.Rows.Count);
        Assert.Equal(3, table.Columns.Count);
        Assert.Equal(Justify.Right, table.Columns[2].Alignment);
    }
}
