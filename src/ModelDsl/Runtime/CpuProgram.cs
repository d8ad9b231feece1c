using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelDsl.Ir;
using ModelDsl.Numerics;

namespace ModelDsl.Runtime;

/// <summary>
/// Base of the generated CPU programs: allocates every buffer of the lowered program once (pinned, so the generated code
/// works on raw pointers) and hands the generated <see cref="RunForward"/>/<see cref="RunBackward"/> their addresses.
/// </summary>
public abstract unsafe class CpuProgram : ProgramExecutor
{
    private readonly object?[] _arrays;
    private readonly nint[] _pointers;
    private readonly int _tokensIndex;
    private readonly int _targetsIndex;
    private readonly int _outputIndex;
    private int _stateBatch;
    private readonly int _queryPositionsIndex;

    /// <param name="fingerprint">The generator's <see cref="ProgramFingerprint"/> of the same program; a mismatch means stale generated code.</param>
    protected CpuProgram(Model model, ProgramKind kind, int batchCapacity, string fingerprint) : base(model, kind, batchCapacity)
    {
        var actual = ProgramFingerprint.Of(Program);
        if (actual != fingerprint)
            throw new InvalidOperationException($"The generated code of {model.GetType().Name} does not match this ModelDsl runtime ({fingerprint} vs {actual}); rebuild the project.");
        var buffers = Program.Buffers;
        _arrays = new object?[buffers.Count];
        _pointers = new nint[buffers.Count];
        for (int i = 0; i < buffers.Count; i++)
        {
            var b = buffers[i];
            object array = b.Kind switch
            {
                BufferKind.Parameters => model.ParameterArray,
                BufferKind.Gradients => model.GradientArray,
                // The pinned object heap: addresses never move, and the arrays live as long as this program.
                _ when b.ElementType == ElementType.Int32 => GC.AllocateArray<int>(Math.Max(1, Length(b)), pinned: true),
                _ => GC.AllocateArray<float>(Math.Max(1, Length(b)), pinned: true),
            };
            _arrays[i] = array;
            _pointers[i] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference((Array)array));
        }
        _tokensIndex = IndexOf(Program.Tokens);
        _targetsIndex = IndexOf(Program.Targets);
        _outputIndex = IndexOf(Program.Output.Buffer);
        _queryPositionsIndex = Program.QueryPositions is { } q ? IndexOf(q) : -1;
        if (_queryPositionsIndex >= 0) ((int[])_arrays[_queryPositionsIndex]!).AsSpan().Fill(Program.SequenceLength - 1);
        _random = model.DropoutRandom;
    }

    private int Length(IrBuffer b) => checked((int)b.Length.Evaluate(BatchCapacity, Model.Vocabulary));
    private int IndexOf(IrBuffer b)
    {
        for (int i = 0; i < Program.Buffers.Count; i++)
            if (ReferenceEquals(Program.Buffers[i], b)) return i;
        throw new InvalidOperationException("Buffer " + b.Name + " is not part of the program.");
    }

    /// <summary>
    /// Packed recurrent weights, reused across the time steps of one pass and forgotten before the next: parameters may
    /// change between passes in ways no one announces (a write through <see cref="Model.Parameters"/>).
    /// </summary>
    protected Cpu.GemmPackCache PackCache { get; } = new();

    /// <summary>The random stream dropout masks are drawn from; null (dropout off) in an evaluation copy.</summary>
    protected Rng? Random => Evaluating ? null : _random;
    private readonly Rng _random;

    /// <summary>Generated code's loss denominator when the loss ignores padding: the targets it scores in this call (at least 1).</summary>
    protected int ScoredTargets { get; private set; } = 1;

    /// <summary>The bound vocabulary size.</summary>
    protected int V => Model.Vocabulary;

    protected float* F(int index) => (float*)_pointers[index];
    protected int* I(int index) => (int*)_pointers[index];

    public override Span<int> Tokens => (int[])_arrays[_tokensIndex]!;
    public override Span<int> Targets => (int[])_arrays[_targetsIndex]!;
    public override Span<int> QueryPositions => _queryPositionsIndex < 0 ? Span<int>.Empty : (int[])_arrays[_queryPositionsIndex]!;

    /// <summary>Generated: forward for B rows; returns the mean loss (training) or 0.</summary>
    protected abstract double RunForward(int B);

    /// <summary>Generated: backward for B rows.</summary>
    protected abstract void RunBackward(int B);

    public override double Forward(int batch)
    {
        CheckBatch(batch);
        ValidateIds(batch, Kind == ProgramKind.Train);
        // Carried state is laid out for one batch size: a different size starts from a zero state.
        if (Kind == ProgramKind.Step && batch != _stateBatch)
        {
            ResetState();
            _stateBatch = batch;
        }
        if (Kind == ProgramKind.Step) CountCachedStep();
        if (Kind == ProgramKind.Train) ScoredTargets = Math.Max(1, CountScoredTargets(batch));
        PackCache.BeginPass();
        return RunForward(batch);
    }

    public override void Backward(int batch)
    {
        CheckBatch(batch);
        if (Kind != ProgramKind.Train) throw new InvalidOperationException("Only training programs have a backward pass.");
        PackCache.BeginPass();
        RunBackward(batch);
    }

    public override void ReadOutput(Span<float> destination, int batch)
    {
        CheckBatch(batch);
        var v = Program.Output;
        int rows = batch, cols = (int)v.Cols.Evaluate(batch, V), stride = (int)v.RowStride.Evaluate(batch, V);
        int offset = (int)v.Offset.Evaluate(batch, V);
        var source = (float[])_arrays[_outputIndex]!;
        for (int r = 0; r < rows; r++)
            source.AsSpan(offset + r * stride, cols).CopyTo(destination.Slice(r * cols, cols));
    }

    internal override void ReadRows(View view, int step, int batch, Span<float> destination)
    {
        int cols = (int)view.Cols.Evaluate(batch, V), stride = (int)view.RowStride.Evaluate(batch, V);
        long offset = view.Offset.Evaluate(batch, V) + step * view.TimeStride.Evaluate(batch, V);
        var source = (float[])_arrays[IndexOf(view.Buffer)]!;
        for (int r = 0; r < batch; r++)
            source.AsSpan((int)(offset + (long)r * stride), cols).CopyTo(destination.Slice(r * cols, cols));
    }

    public override bool ContainsNonFinite(IrBuffer buffer, int batch)
    {
        int index = IndexOf(buffer);
        if (index < 0) throw new ArgumentException($"'{buffer.Name}' is not a buffer of this program.", nameof(buffer));
        if (_arrays[index] is not float[] data) return false;
        int used = (int)Math.Min(data.Length, buffer.Length.Evaluate(batch, V));
        return !NonFiniteSearch.AllFinite(data.AsSpan(0, used));
    }

    public override void ResetState()
    {
        for (int i = 0; i < _arrays.Length; i++)
            if (Program.Buffers[i].Kind == BufferKind.State) Array.Clear((Array)_arrays[i]!);
        CachedPositions = 0;
    }

}
