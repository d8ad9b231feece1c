using System.Globalization;
using Spectre.Console;

namespace ModelDsl.Visualization;

// ModelDsl.Text (tokenizers) would otherwise win the lookup.
using Text = Spectre.Console.Text;

/// <summary><see cref="Model.Summary"/> as a Spectre.Console table: layer (type), output shape, parameter count, and the totals.</summary>
/// <example><code>AnsiConsole.Write(SummaryTable.Render(model));</code></example>
public static class SummaryTable
{
    /// <summary>A table with a row per layer of <see cref="Model.Layers"/> and the total in the footer, titled with the model's type.</summary>
    public static Table Render(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = model.Layers();
        string total = Count(model.ParameterCount);
        // As Model.Summary counts them: a frozen layer's weights (trainable: false) are not trainable.
        long frozen = 0;
        for (int i = 0; i < layers.Count; i++)
            if (model.Declaration.Layers[i].Frozen) frozen += layers[i].Parameters;
        var table = new Table()
            .Border(TableBorder.Rounded)
            .Title($"Model: \"{Markup.Escape(model.GetType().Name)}\"")
            .AddColumn(new TableColumn("[bold]Layer (type)[/]").Footer("[bold]Total params[/]"))
            .AddColumn(new TableColumn("[bold]Output Shape[/]"))
            .AddColumn(new TableColumn("[bold]Param #[/]").RightAligned().Footer($"[bold]{total}[/]"))
            // Two short lines: a caption is wrapped at the table's width.
            .Caption($"Trainable params: {Count(model.ParameterCount - frozen)}\nNon-trainable params: {Count(frozen)}");
        foreach (var layer in layers)
            table.AddRow(
                new Markup($"{Markup.Escape(layer.Name)} [grey]({Markup.Escape(layer.Kind)})[/]"),
                new Text(layer.OutputShape),
                new Text(Count(layer.Parameters)));
        return table;
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
