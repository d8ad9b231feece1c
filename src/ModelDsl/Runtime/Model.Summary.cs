using System.Globalization;
using System.Text;
using ModelDsl.Ir;

namespace ModelDsl;

/// <summary>One row of <see cref="Model.Layers"/>.</summary>
public sealed record LayerSummary(string Name, string Kind, string OutputShape, long Parameters);

public abstract partial class Model
{
    /// <summary>Each layer with its output shape (batch first, as Keras prints it) and parameter count.</summary>
    public IReadOnlyList<LayerSummary> Layers()
    {
        var names = Lowering.LayerNames(Declaration);
        var flow = Declaration.Flow;
        var rows = new List<LayerSummary>();
        for (int i = 0; i < Declaration.Layers.Count; i++)
        {
            var layer = Declaration.Layers[i];
            long count = ParameterTensors.Where(t => t.Layer == names[i]).Sum(t => t.Length.Evaluate(1, Vocabulary));
            rows.Add(new LayerSummary(names[i], LayerDefinition.For(layer.Kind).DisplayName(layer), flow.Outputs[i].ToKerasString(Vocabulary), count));
        }
        return rows;
    }

    /// <summary>A Keras-style table: layer, output shape, parameters, and the totals.</summary>
    public string Summary()
    {
        var layers = Layers();
        var sb = new StringBuilder();
        var cells = layers.Select(l => (Layer: $"{l.Name} ({l.Kind})", l.OutputShape, Count: l.Parameters.ToString("N0", CultureInfo.InvariantCulture))).ToList();
        // Keras's widths as the minimum; a longer cell widens its column so two spaces always separate the columns.
        int layerWidth = Math.Max(28, cells.Max(c => c.Layer.Length) + 2);
        int shapeWidth = Math.Max(22, cells.Max(c => c.OutputShape.Length) + 2);
        int countWidth = Math.Max(12, cells.Max(c => c.Count.Length));
        string Row(string a, string b, string c) => a.PadRight(layerWidth) + b.PadRight(shapeWidth) + c.PadLeft(countWidth);
        var rule = new string('─', layerWidth + shapeWidth + countWidth);
        sb.AppendLine(CultureInfo.InvariantCulture, $"Model: \"{GetType().Name}\"");
        sb.AppendLine(rule);
        sb.AppendLine(Row("Layer (type)", "Output Shape", "Param #"));
        sb.AppendLine(rule);
        foreach (var c in cells)
            sb.AppendLine(Row(c.Layer, c.OutputShape, c.Count));
        sb.AppendLine(rule);
        sb.AppendLine(CultureInfo.InvariantCulture, $"Total params: {ParameterCount:N0}");
        long frozen = 0;
        for (int i = 0; i < layers.Count; i++)
            if (Declaration.Layers[i].Frozen) frozen += layers[i].Parameters;
        sb.AppendLine(CultureInfo.InvariantCulture, $"Trainable params: {ParameterCount - frozen:N0}");
        if (frozen > 0) sb.AppendLine(CultureInfo.InvariantCulture, $"Non-trainable params: {frozen:N0}");
        sb.Append(rule);
        return sb.ToString();
    }
}
