using ModelDsl.Training;

namespace ModelDsl.Visualization.Tests;

public sealed class TrainingPlotTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly string _directory = Directory.CreateTempSubdirectory("modeldsl-plot-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static TrainingHistory History(int epochs, bool validation = true)
    {
        var history = new TrainingHistory();
        for (int e = 1; e <= epochs; e++)
            history.Add(new EpochResult(e, 2.5 / Math.Sqrt(e), validation ? 2.6 / Math.Sqrt(e) + 0.05 * e : null, TimeSpan.FromSeconds(40)));
        return history;
    }

    private static void AssertPng(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.True(bytes.Length > 10_000, $"a {bytes.Length}-byte PNG is too small to hold axes, labels and lines");
    }

    [Fact]
    public void Writes_a_png_of_the_losses()
    {
        string path = Path.Combine(_directory, "loss.png");
        TrainingPlot.Save(History(8), path);
        AssertPng(path);
        Assert.Empty(Directory.GetFiles(_directory, "loss.png.tmp*"));
        // Kept for eyeballing when MODELDSL_PLOT_DIR is set.
        if (Environment.GetEnvironmentVariable("MODELDSL_PLOT_DIR") is { Length: > 0 } keep) File.Copy(path, Path.Combine(keep, "loss.png"), overwrite: true);
    }

    [Fact]
    public void A_link_is_written_through_and_a_folder_or_device_is_refused_by_its_own_name()
    {
        string target = Path.Combine(_directory, "real.png");
        string link = Path.Combine(_directory, "link.png");
        File.CreateSymbolicLink(link, target);
        TrainingPlot.Save(History(3), link);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        AssertPng(target);

        string folder = Directory.CreateDirectory(Path.Combine(_directory, "folder.png")).FullName;
        var error = Assert.Throws<IOException>(() => TrainingPlot.Save(History(3), folder));
        Assert.Contains("folder.png': it is a folder", error.Message);
        Assert.True(Directory.Exists(folder));
        if (!OperatingSystem.IsWindows())
        {
            var device = Assert.Throws<IOException>(() => TrainingPlot.Save(History(3), "/dev/null"));
            Assert.Contains("'/dev/null': it is not a regular file", device.Message);
        }
        var missing = Assert.Throws<IOException>(() => TrainingPlot.Save(History(3), Path.Combine(_directory, "no", "loss.png")));
        Assert.Contains("Cannot write the plot", missing.Message);
        Assert.DoesNotContain(".tmp-", missing.Message);
    }

    [Fact]
    public void Replaces_the_file_each_epoch_and_handles_one_epoch_without_validation()
    {
        string path = Path.Combine(_directory, "loss.png");
        TrainingPlot.Save(History(1, validation: false), path);
        AssertPng(path);
        TrainingPlot.Save(History(2), path);
        AssertPng(path);
    }

    [Fact]
    public void From_history_has_no_accuracy_to_show()
    {
        var curves = TrainingCurves.From(History(3));
        Assert.Equal([1, 2, 3], curves.Epochs);
        Assert.Equal(3, curves.ValidationLoss!.Count);
        Assert.Null(curves.TrainingAccuracy);
        Assert.Null(curves.ValidationAccuracy);
        Assert.Null(TrainingCurves.From(History(3, validation: false)).ValidationLoss);
    }

    [Fact]
    public void Draws_accuracy_on_a_second_axis_when_given()
    {
        string path = Path.Combine(_directory, "accuracy.png");
        var curves = TrainingCurves.From(History(5)) with
        {
            TrainingAccuracy = [0.30, 0.42, 0.50, 0.55, 0.58],
            ValidationAccuracy = [0.28, 0.40, 0.47, 0.50, 0.51],
        };
        TrainingPlot.Save(curves, path);
        AssertPng(path);
        if (Environment.GetEnvironmentVariable("MODELDSL_PLOT_DIR") is { Length: > 0 } keep) File.Copy(path, Path.Combine(keep, "accuracy.png"), overwrite: true);
    }

    [Fact]
    public void Rejects_series_of_the_wrong_length()
    {
        var curves = TrainingCurves.From(History(3)) with { TrainingAccuracy = [0.5] };
        var e = Assert.Throws<ArgumentException>(() => TrainingPlot.Save(curves, Path.Combine(_directory, "bad.png")));
        Assert.Contains("TrainingAccuracy has 1 values for 3 epochs", e.Message);
    }
}
