extern alias ModelDslGenerators;

using ModelDslGenerators::ModelDsl.Generators.Emit;
using ModelDslGenerators::ModelDsl.Ir;
using Xunit;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// Which recurrent steps the GPU renderer launches as one kernel: a small product whose every column the cell reads as
/// its own slices, and nothing written where another thread reads. (The fused kernels' results are checked against the
/// two launches and the interpreter on the GPU emulator.)
/// </summary>
public sealed class GpuStepFusionTests
{
    private const int H = 4;
    private static readonly IrBuffer Parameters = new("parameters", 1000, BufferKind.Parameters, "[1000]");
    private static readonly IrBuffer States = new("h", Size.B * H * 6, BufferKind.Activation, "[6, B, 4]");
    private static readonly IrBuffer Z = new("z", Size.B * 4 * H * 5, BufferKind.Activation, "[5, B, 16]");

    private static View Previous => new(States, 0, Size.B, H, H, timeStride: Size.B * H);
    private static View Next => new(States, Size.B * H, Size.B, H, H, timeStride: Size.B * H);
    private static View Gates(int first, int count) => new(Z, first * H, Size.B, count * H, 4 * H, timeStride: Size.B * 4 * H);

    private static MatMulOp Product(int k = H, int n = 4 * H) =>
        new(new View(States, 0, Size.B, k, k, timeStride: Size.B * k), false, new View(Parameters, 0, k, n, n), false, Gates(0, n / H), accumulate: true);

    /// <summary>A cell reading the given gate slices and writing the next state.</summary>
    private static PointwiseOp Cell(View output, params int[] slices)
    {
        var inputs = new List<View>();
        Expr sum = Expr.In(0);
        foreach (int s in slices) inputs.Add(Gates(s, 1));
        for (int i = 1; i < inputs.Count; i++) sum = sum + Expr.In(i);
        return new PointwiseOp("cell", Size.B, H, inputs, [new PointwiseOutput(output, Expr.Sigmoid(sum), accumulate: false)]);
    }

    [Fact]
    public void A_cell_reading_every_gate_slice_fuses_with_its_product()
    {
        var step = GpuRenderer.TryFuse(Product(), Cell(Next, 2, 0, 3, 1));
        Assert.NotNull(step);
        Assert.Equal(new[] { 2, 0, 3, 1 }, step!.SliceOf);
    }

    [Fact]
    public void Uncovered_columns_writes_over_the_rows_read_and_large_products_do_not_fuse()
    {
        Assert.Null(GpuRenderer.TryFuse(Product(), Cell(Next, 0, 1, 2)));              // column slice 3 would never be computed
        Assert.Null(GpuRenderer.TryFuse(Product(), Cell(Previous, 0, 1, 2, 3)));      // overwrites h_{t-1} while other threads read it
        Assert.Null(GpuRenderer.TryFuse(Product(k: GpuRenderer.FusedMaxK + 4, n: 4 * H), Cell(Next, 0, 1, 2, 3))); // too deep for one thread
    }
}
