using ModelDsl.Ir;
using ModelDsl.Reference;

namespace ModelDsl.Runtime;

/// <summary>Runs a program on the float64 interpreter (copying float parameters in and gradients out).</summary>
public sealed class ReferenceProgram : ProgramExecutor
{
    private IrInterpreter _interpreter;
    private readonly Dictionary<int, IrInterpreter> _byBatch = new();
    private readonly int[] _tokens;
    private readonly int[] _targets;
    private readonly int[] _queryPositions;

    public ReferenceProgram(Model model, ProgramKind kind, int batchCapacity) : base(model, kind, batchCapacity)
    {
        _interpreter = new IrInterpreter(Program, batchCapacity, model.Vocabulary);
        _byBatch[batchCapacity] = _interpreter;
        _tokens = new int[batchCapacity * Program.SequenceLength];
        _targets = new int[Program.TargetsPerStep ? batchCapacity * Program.SequenceLength : batchCapacity];
        _queryPositions = Program.QueryPositions is null ? Array.Empty<int>() : new int[batchCapacity];
        Array.Fill(_queryPositions, Program.SequenceLength - 1);
    }

    public override Span<int> QueryPositions => _queryPositions;

    public override Span<int> Tokens => _tokens;
    public override Span<int> Targets => _targets;
    public IrInterpreter Interpreter => _interpreter;

    public override double Forward(int batch)
    {
        CheckBatch(batch);
        ValidateIds(batch, Kind == ProgramKind.Train);
        // The interpreter's buffers are sized for one batch size; keep one per size (state included).
        if (!_byBatch.TryGetValue(batch, out var interpreter))
            _byBatch[batch] = interpreter = new IrInterpreter(Program, batch, Model.Vocabulary);
        _interpreter = interpreter;
        var p = _interpreter.Parameters;
        var source = Model.ParameterArray;
        for (int i = 0; i < p.Length; i++) p[i] = source[i];
        _tokens.AsSpan(0, _interpreter.Tokens.Length).CopyTo(_interpreter.Tokens);
        _targets.AsSpan(0, _interpreter.Targets.Length).CopyTo(_interpreter.Targets);
        if (Program.QueryPositions is { } q) _queryPositions.AsSpan(0, batch).CopyTo(_interpreter.Ints(q));
        if (Kind == ProgramKind.Step) CountCachedStep();
        _interpreter.Forward(Evaluating ? null : Model.DropoutRandom);
        return _interpreter.Loss;
    }

    public override void Backward(int batch)
    {
        _interpreter.Backward();
        var g = _interpreter.Gradients;
        var target = Model.GradientArray;
        for (int i = 0; i < g.Length; i++) target[i] += (float)g[i];
    }

    public override void ReadOutput(Span<float> destination, int batch)
    {
        var o = _interpreter.Output();
        for (int i = 0; i < o.Length; i++) destination[i] = (float)o[i];
    }

    internal override void ReadRows(View view, int step, int batch, Span<float> destination)
    {
        var rows = _interpreter.Rows(view, step);
        for (int i = 0; i < rows.Length; i++) destination[i] = (float)rows[i];
    }

    public override bool ContainsNonFinite(IrBuffer buffer, int batch) =>
        buffer.ElementType == ElementType.Float32 && !NonFiniteSearch.AllFinite(_interpreter.Floats(buffer));

    public override void ResetState()
    {
        foreach (var interpreter in _byBatch.Values)
            foreach (var b in Program.Buffers)
                if (b.Kind == BufferKind.State) Array.Clear(b.ElementType == ElementType.Int32 ? interpreter.Ints(b) : interpreter.Floats(b));
        CachedPositions = 0;
    }
}
