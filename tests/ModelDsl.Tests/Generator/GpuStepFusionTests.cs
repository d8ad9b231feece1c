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
        var step = RecurrentStepFusion.TryFuse(Product(), Cell(Next, 2, 0, 3, 1));
        Assert.NotNull(step);
        Assert.Equal(new[] { 2, 0, 3, 1 }, step!.SliceOf);
    }

    private static readonly IrBuffer GradStates = new("d_h", Size.B * H * 6, BufferKind.ActivationGradient, "[6, B, 4]");
    private static readonly IrBuffer GradGates = new("d_z", Size.B * 4 * H * 5, BufferKind.ActivationGradient, "[5, B, 16]");

    private static View GradGate(int j) => new(GradGates, j * H, Size.B, H, 4 * H, timeStride: Size.B * 4 * H);
    private static View GradPrevious => new(GradStates, 0, Size.B, H, H, timeStride: Size.B * H);
    private static View GradNext => new(GradStates, Size.B * H, Size.B, H, H, timeStride: Size.B * H);

    /// <summary>dh_{t-1} (+)= dz_t·Uᵀ, U stored [H, 4H].</summary>
    private static MatMulOp BackwardProduct(bool accumulate = false) =>
        new(new View(GradGates, 0, Size.B, 4 * H, 4 * H, timeStride: Size.B * 4 * H), false, new View(Parameters, 0, H, 4 * H, 4 * H), true, GradPrevious, accumulate);

    /// <summary>A cell backward reading dh_t (and optionally more) and writing the given dz slices (and optionally more).</summary>
    private static PointwiseOp CellBackward(int[] slices, View[]? extraInputs = null, View[]? extraOutputs = null)
    {
        var inputs = new List<View> { GradNext };
        if (extraInputs != null) inputs.AddRange(extraInputs);
        var outputs = new List<PointwiseOutput>();
        foreach (int j in slices) outputs.Add(new PointwiseOutput(GradGate(j), Expr.In(0) * Expr.In(0), accumulate: false));
        if (extraOutputs != null) foreach (var v in extraOutputs) outputs.Add(new PointwiseOutput(v, Expr.In(0), accumulate: false));
        return new PointwiseOp("cell_backward", Size.B, H, inputs, outputs);
    }

    [Fact]
    public void A_cell_backward_writing_every_slice_of_dz_fuses_with_the_product_after_it()
    {
        Assert.NotNull(RecurrentStepFusion.TryFuseBackward(CellBackward([0, 1, 2, 3]), BackwardProduct()));
        // A GRU's: the cell also writes the direct part of dh_{t-1}, which the product then accumulates into.
        var step = RecurrentStepFusion.TryFuseBackward(CellBackward([3, 2, 1, 0], extraOutputs: [GradPrevious]), BackwardProduct(accumulate: true));
        Assert.NotNull(step);
        Assert.True(step!.Backward);
    }

    [Fact]
    public void A_backward_step_whose_rows_could_meet_another_group_does_not_fuse()
    {
        Assert.Null(RecurrentStepFusion.TryFuseBackward(CellBackward([0, 1, 3]), BackwardProduct()));   // slice 2 of dz not written in the kernel
        var overlapping = new View(GradStates, 2, Size.B, H, H, timeStride: Size.B * H);       // dh_{t-1} shifted by two columns: other rows' outputs
        Assert.Null(RecurrentStepFusion.TryFuseBackward(CellBackward([0, 1, 2, 3], extraInputs: [overlapping]), BackwardProduct()));
        Assert.Null(RecurrentStepFusion.TryFuseBackward(CellBackward([0, 1, 2, 3], extraOutputs: [overlapping]), BackwardProduct()));
        Assert.Null(RecurrentStepFusion.TryFuseBackward(CellBackward([0, 1, 2, 3]), Product()));        // a forward product: no transposed U
    }

    [Fact]
    public void Uncovered_columns_writes_over_the_rows_read_and_large_products_do_not_fuse()
    {
        Assert.Null(RecurrentStepFusion.TryFuse(Product(), Cell(Next, 0, 1, 2)));              // column slice 3 would never be computed
        Assert.Null(RecurrentStepFusion.TryFuse(Product(), Cell(Previous, 0, 1, 2, 3)));      // overwrites h_{t-1} while other threads read it
        Assert.Null(RecurrentStepFusion.TryFuse(Product(k: RecurrentStepFusion.MaxURows + 4, n: 4 * H), Cell(Next, 0, 1, 2, 3))); // too deep for one thread
    }
}
