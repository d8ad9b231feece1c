using ModelDsl.Checkpoints;
using ModelDsl.Training;
using ScottPlot;

namespace ModelDsl.Visualization;

/// <summary>
/// The loss curve of a training run as a PNG (ScottPlot, no display needed): training and validation loss per epoch on
/// the left axis and, when the curves have it, accuracy on the right.
/// </summary>
/// <example><code>TrainingPlot.Save(model.Fit(train, options, validation), "loss.png");</code></example>
public static class TrainingPlot
{
    /// <summary>Writes the curves of <paramref name="history"/> to <paramref name="pngPath"/>, replacing it atomically (<see cref="AtomicFile"/>).</summary>
    public static void Save(TrainingHistory history, string pngPath, int width = 800, int height = 500) =>
        Save(TrainingCurves.From(history), pngPath, width, height);

    /// <summary>Writes <paramref name="curves"/> to <paramref name="pngPath"/>, replacing it atomically.</summary>
    public static void Save(TrainingCurves curves, string pngPath, int width = 800, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(curves);
        ArgumentException.ThrowIfNullOrEmpty(pngPath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        byte[] png = Render(curves).GetImageBytes(width, height, ImageFormat.Png);
        // A viewer refreshing the file after each epoch never sees half a PNG; a link is written through, a device refused.
        AtomicFile.Write(pngPath, "plot", stream => stream.Write(png));
    }

    /// <summary>The plot <see cref="Save(TrainingCurves, string, int, int)"/> draws, for callers that want to restyle it or render elsewhere.</summary>
    public static Plot Render(TrainingCurves curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        curves.Check();
        var plot = new Plot();
        double[] epochs = curves.Epochs.Select(e => (double)e).ToArray();

        Add(plot, epochs, curves.TrainingLoss, "training loss", Colors.C0, LinePattern.Solid, plot.Axes.Left);
        if (curves.ValidationLoss is { } validation)
            Add(plot, epochs, validation, "validation loss", Colors.C1, LinePattern.Solid, plot.Axes.Left);

        bool accuracy = curves.TrainingAccuracy is not null || curves.ValidationAccuracy is not null;
        if (curves.TrainingAccuracy is { } trainingAccuracy)
            Add(plot, epochs, trainingAccuracy, "training accuracy", Colors.C0, LinePattern.Dashed, plot.Axes.Right);
        if (curves.ValidationAccuracy is { } validationAccuracy)
            Add(plot, epochs, validationAccuracy, "validation accuracy", Colors.C1, LinePattern.Dashed, plot.Axes.Right);

        plot.Title(accuracy ? "Loss and accuracy" : "Loss");
        plot.XLabel("Epoch");
        plot.YLabel("Loss (cross-entropy)");
        if (accuracy) plot.Axes.Right.Label.Text = "Accuracy";
        // Epochs are whole numbers: no 1.5 ticks.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        // Falling loss and rising accuracy between them fill both upper corners; the legend then goes below.
        if (accuracy) plot.ShowLegend(Edge.Bottom);
        else plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static void Add(Plot plot, double[] epochs, IReadOnlyList<double> values, string label, Color color, LinePattern pattern, IYAxis axis)
    {
        // ScottPlot draws a NaN as a gap in the line; keep only the epochs that have a value so single points still show.
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < epochs.Length; i++)
        {
            if (double.IsFinite(values[i]))
            {
                xs.Add(epochs[i]);
                ys.Add(values[i]);
            }
        }
        if (xs.Count == 0) return;
        var scatter = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
        scatter.LegendText = label;
        scatter.LinePattern = pattern;
        scatter.LineWidth = 2;
        scatter.MarkerSize = 6;
        scatter.Axes.YAxis = axis;
    }
}
