extern alias ModelDslGenerators;

using ModelDslGenerators::ModelDsl.Generators.Emit;
using ModelDslGenerators::ModelDsl.Ir;
using Xunit;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// Which time loops the time-batching pass lets a renderer run as one launch per op (the GPU renderer does): only those whose steps cannot see each other's results.
/// (That the batched launches compute what the per-step ones did is checked by every model on the GPU emulator.)
/// </summary>
public sealed class GpuLoopBatchingTests
{
    private static readonly IrBuffer Parameters = new("parameters", 1000, BufferKind.Parameters, "[1000]");
    private static readonly IrBuffer Tokens = new("tokens", Size.B * 5, BufferKind.TokenIds, "[B, 5]", ElementType.Int32);
    private static readonly IrBuffer Z = new("z", Size.B * 40, BufferKind.Activation, "[5, B, 8]");
    private static readonly IrBuffer Other = new("other", Size.B * 40, BufferKind.Activation, "[5, B, 8]");

    private static View Table => new(Parameters, 0, 10, 8, 8);
    private static IdView StepIds => new(Tokens, 0, Size.B, 5, timeStride: 1);
    private static View Step(IrBuffer buffer) => new(buffer, 0, Size.B, 8, 8, timeStride: Size.B * 8);

    [Fact]
    public void Gathers_into_per_step_outputs_run_in_one_launch()
    {
        var loop = new LoopOp(5, false, [new GatherRowsOp(Table, StepIds, Step(Z), accumulate: false)]);
        Assert.True(TimeBatching.Batchable(loop));
    }

    [Fact]
    public void Scatter_adds_and_per_step_column_sums_run_in_one_launch_each()
    {
        var sumsRow = new View(Parameters, 900, 1, 8, 8, timeStride: 8);
        var loop = new LoopOp(5, true,
        [
            new ScatterAddRowsOp(Step(Z), StepIds, Table),
            new ColumnSumsOp(Step(Z), sumsRow, accumulate: true),
        ]);
        Assert.True(TimeBatching.Batchable(loop));
    }

    [Fact]
    public void A_step_reading_what_the_loop_writes_keeps_the_loop()
    {
        // The second gather's table is the first one's output: batching would read rows before they are written.
        var chained = new LoopOp(5, false,
        [
            new GatherRowsOp(Table, StepIds, Step(Z), accumulate: false),
            new GatherRowsOp(new View(Z, 0, 10, 8, 8), StepIds, Step(Other), accumulate: false),
        ]);
        Assert.False(TimeBatching.Batchable(chained));
    }

    [Fact]
    public void Steps_or_ops_whose_plain_writes_could_overlap_keep_the_loop()
    {
        // Steps B·4 apart writing B rows of 8: step t's last rows are step t+1's first.
        var overlapping = new View(Z, 0, Size.B, 8, 8, timeStride: Size.B * 4);
        Assert.False(TimeBatching.Batchable(new LoopOp(5, false, [new GatherRowsOp(Table, StepIds, overlapping, accumulate: false)])));
        // Two gathers into the same rows of one buffer: batched, their order across steps would change.
        Assert.False(TimeBatching.Batchable(new LoopOp(5, false,
        [
            new GatherRowsOp(Table, StepIds, Step(Z), accumulate: false),
            new GatherRowsOp(Table, StepIds, Step(Z), accumulate: true),
        ])));
        // Per-step sums into the rows a scatter-add (atomic, but the sums are not) also updates.
        var sumsInTable = new View(Parameters, 8, 1, 8, 8, timeStride: 8);
        Assert.False(TimeBatching.Batchable(new LoopOp(5, true,
        [
            new ScatterAddRowsOp(Step(Z), StepIds, Table),
            new ColumnSumsOp(Step(Other), sumsInTable, accumulate: true),
        ])));
    }

    [Fact]
    public void Outputs_shared_by_every_step_or_other_ops_keep_the_loop()
    {
        var sameOutput = new LoopOp(5, false, [new GatherRowsOp(Table, StepIds, new View(Z, 0, Size.B, 8, 8), accumulate: true)]);
        Assert.False(TimeBatching.Batchable(sameOutput));
        var sumIntoOneRow = new LoopOp(5, false, [new ColumnSumsOp(Step(Z), new View(Parameters, 900, 1, 8, 8), accumulate: true)]);
        Assert.False(TimeBatching.Batchable(sumIntoOneRow));
        var recurrence = new LoopOp(5, false, [new ZeroOp(Step(Z))]);
        Assert.False(TimeBatching.Batchable(recurrence));
    }
}
