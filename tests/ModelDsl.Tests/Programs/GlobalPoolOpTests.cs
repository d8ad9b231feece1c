using ModelDsl.Ir;

namespace ModelDsl.Tests.Programs;

/// <summary>The global pooling ops' contracts, and that every one of their fields reaches the program fingerprint.</summary>
public class GlobalPoolOpTests
{
    private static readonly IrBuffer Parameters = new("parameters", 1, BufferKind.Parameters, "[1]");
    private static readonly IrBuffer Gradients = new("gradients", 1, BufferKind.Gradients, "[1]");
    private static readonly IrBuffer Tokens = new("tokens", Size.B * 5, BufferKind.TokenIds, "[B, 5]", ElementType.Int32);
    private static readonly IrBuffer Targets = new("targets", Size.B, BufferKind.Targets, "[B]", ElementType.Int32);
    private static readonly IrBuffer X = new("x", Size.B * 40, BufferKind.Activation, "[5, B, 8]");
    private static readonly IrBuffer Pooled = new("pooled", Size.B * 8, BufferKind.Activation, "[B, 8]");
    private static readonly IrBuffer Chosen = new("chosen", Size.B * 8, BufferKind.Activation, "[B, 8]");
    private static readonly IrBuffer DPooled = new("d_pooled", Size.B * 8, BufferKind.ActivationGradient, "[B, 8]");
    private static readonly IrBuffer DX = new("d_x", Size.B * 40, BufferKind.ActivationGradient, "[5, B, 8]");

    private static View Step0(IrBuffer buffer, Size offset = default) => new(buffer, offset, Size.B, 8, 8);
    private static IdView Mask(Size offset = default, long stride = 5) => new(Tokens, offset, Size.B, stride);

    private static GlobalPoolOp Pool(View? input = null, Size? stepStride = null, int steps = 5, View? output = null, PoolKind kind = PoolKind.Max,
        bool masked = true, IdView? mask = null, Size? maskStepStride = null, bool argMax = true, View? argMaxView = null) =>
        new(input ?? Step0(X), stepStride ?? Size.B * 8, steps, output ?? Step0(Pooled), kind, masked ? mask ?? Mask() : null, maskStepStride ?? 1,
            argMax ? argMaxView ?? Step0(Chosen) : null);

    private static string Fingerprint(GlobalPoolOp forward, GlobalPoolBackwardOp? backward = null) =>
        ProgramFingerprint.Of(new IrProgram(ProgramKind.Train, 5, [Parameters, Gradients, Tokens, Targets, X, Pooled, Chosen, DPooled, DX], [], 1,
            [forward], backward is null ? [] : [backward], Tokens, Targets, Step0(Pooled), outputIsProbability: false));

    [Fact]
    public void Every_field_of_both_ops_changes_the_fingerprint()
    {
        var pool = Pool();
        var variants = new Dictionary<string, string>
        {
            ["as built"] = Fingerprint(Pool()),
            ["input offset"] = Fingerprint(Pool(input: Step0(X, 8))),
            ["input row stride"] = Fingerprint(Pool(input: new View(X, 0, Size.B, 8, 9))),
            ["input width"] = Fingerprint(Pool(input: new View(X, 0, Size.B, 7, 8))),
            ["step stride"] = Fingerprint(Pool(stepStride: new Size(0, -8))),
            ["steps"] = Fingerprint(Pool(steps: 4)),
            ["output"] = Fingerprint(Pool(output: Step0(Pooled, 1))),
            ["no argmax"] = Fingerprint(Pool(argMax: false)),
            ["average"] = Fingerprint(Pool(kind: PoolKind.Average, argMax: false)),
            ["argmax view"] = Fingerprint(Pool(argMaxView: new View(Chosen, 0, Size.B, 8, 9))),
            ["no mask"] = Fingerprint(Pool(masked: false)),
            ["mask offset"] = Fingerprint(Pool(mask: Mask(offset: 1))),
            ["mask stride"] = Fingerprint(Pool(mask: Mask(stride: 1))),
            ["mask step stride"] = Fingerprint(Pool(maskStepStride: Size.B)),
            ["backward"] = Fingerprint(pool, new GlobalPoolBackwardOp(pool, Step0(DPooled), Step0(DX), Size.B * 8, accumulate: false)),
            ["backward accumulating"] = Fingerprint(pool, new GlobalPoolBackwardOp(pool, Step0(DPooled), Step0(DX), Size.B * 8, accumulate: true)),
            ["backward dOutput"] = Fingerprint(pool, new GlobalPoolBackwardOp(pool, Step0(DPooled, 2), Step0(DX), Size.B * 8, accumulate: false)),
            ["backward dInput"] = Fingerprint(pool, new GlobalPoolBackwardOp(pool, Step0(DPooled), Step0(DX, 2), Size.B * 8, accumulate: false)),
            ["backward step stride"] = Fingerprint(pool, new GlobalPoolBackwardOp(pool, Step0(DPooled), Step0(DX), new Size(32, -8), accumulate: false)),
            ["backward of another forward"] = Fingerprint(pool, new GlobalPoolBackwardOp(Pool(steps: 3), Step0(DPooled), Step0(DX), Size.B * 8, accumulate: false)),
        };
        var clashes = variants.GroupBy(v => v.Value).Where(g => g.Count() > 1).Select(g => string.Join(" = ", g.Select(v => v.Key))).ToList();
        Assert.True(clashes.Count == 0, "same fingerprint: " + string.Join("; ", clashes));
        Assert.Equal(Fingerprint(Pool()), Fingerprint(Pool())); // and nothing else (no identity) goes in
    }

    [Fact]
    public void The_ops_refuse_what_their_kernels_cannot_do()
    {
        // Only a max pool has steps to save; its backward needs them.
        Assert.Throws<ArgumentException>(() => Pool(kind: PoolKind.Average, argMax: true));
        var inference = Pool(argMax: false);
        Assert.Throws<ArgumentException>(() => new GlobalPoolBackwardOp(inference, Step0(DPooled), Step0(DX), Size.B * 8, accumulate: false));
        // The ops walk the steps themselves: no view may step with an enclosing loop's t.
        Assert.Throws<ArgumentException>(() => Pool(input: Step0(X).AtTime(Size.B * 8)));
        Assert.Throws<ArgumentException>(() => Pool(mask: new IdView(Tokens, 0, Size.B, 5, timeStride: 1)));
        Assert.Throws<ArgumentException>(() => new GlobalPoolBackwardOp(Pool(), Step0(DPooled), Step0(DX).AtTime(Size.B * 8), Size.B * 8, accumulate: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pool(steps: -1));
        // An average's backward reads no saved steps.
        var average = Pool(kind: PoolKind.Average, argMax: false);
        Assert.Same(average, new GlobalPoolBackwardOp(average, Step0(DPooled), Step0(DX), Size.B * 8, accumulate: true).Forward);
        Assert.Contains("Average", average.ToString());
    }
}
