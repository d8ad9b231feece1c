using ModelDsl.Ir;

namespace ModelDsl.Runtime;

/// <summary>
/// One lowered program (train, infer or step) bound to a backend, with its buffers allocated once for a batch capacity.
/// Tokens and targets are staged on the host; parameters live in the owning model.
/// </summary>
public abstract class ProgramExecutor : IDisposable
{
    protected ProgramExecutor(Model model, ProgramKind kind, int batchCapacity)
    {
        if (batchCapacity <= 0) throw new ArgumentOutOfRangeException(nameof(batchCapacity), batchCapacity, "Batch size must be positive.");
        Model = model;
        Kind = kind;
        BatchCapacity = batchCapacity;
        Program = Lowering.Lower(model.Declaration, kind);
    }

    public Model Model { get; }
    public ProgramKind Kind { get; }
    public int BatchCapacity { get; }
    public IrProgram Program { get; }

    /// <summary>Input ids for the next call, [B, T] row-major (only the first B·T are read).</summary>
    public abstract Span<int> Tokens { get; }
    /// <summary>Targets for the next call, [B].</summary>
    public abstract Span<int> Targets { get; }

    /// <summary>
    /// Infer programs of attention models: per batch row, the position whose output <see cref="ReadOutput"/> returns
    /// (the last position, T−1, unless set). Empty for other programs.
    /// </summary>
    public virtual Span<int> QueryPositions => Span<int>.Empty;

    /// <summary>
    /// Set by <see cref="Model.Generate"/> between its own calls: nothing outside the model has written the parameters since
    /// this program's last call unless the model says so (a device program then keeps the copy it uploaded instead of
    /// uploading the weights again for every token). Off everywhere else: a parameter span kept by the caller and written
    /// later is always seen.
    /// </summary>
    internal bool ReuseUploadedParameters { get; set; }

    /// <summary>
    /// A training program kept for <see cref="Model.Evaluate(Data.ISequenceData, int)"/> and <see cref="Model.Measure"/>: its
    /// forward runs with dropout off (masks of ones, nothing drawn from the random stream) and it never steps, so the loss is
    /// the training loss op's own number.
    /// </summary>
    internal bool Evaluating { get; set; }

    /// <summary>The cross-entropy op of a training program (inside the time loop for a per-step output), or null.</summary>
    internal SoftmaxCrossEntropyOp? LossOp => _lossOp ??= FindLoss(Program.Forward);
    private SoftmaxCrossEntropyOp? _lossOp;

    private static SoftmaxCrossEntropyOp? FindLoss(IReadOnlyList<Op> ops)
    {
        foreach (var op in ops)
        {
            if (op is SoftmaxCrossEntropyOp x) return x;
            if (op is LoopOp loop && FindLoss(loop.Body) is { } inner) return inner;
        }
        return null;
    }

    /// <summary>
    /// The staged target of row <paramref name="row"/> at step <paramref name="step"/> of the loss (step 0 for a last-step
    /// output), read through the loss op's view of <see cref="Targets"/>.
    /// </summary>
    internal int TargetAt(int step, int row, int batch)
    {
        var v = LossOp!.Targets;
        long index = v.Offset.Evaluate(batch, Model.Vocabulary) + step * v.TimeStride.Evaluate(batch, Model.Vocabulary) + row * v.Stride.Evaluate(batch, Model.Vocabulary);
        return Targets[(int)index];
    }

    /// <summary>
    /// How many staged targets of the first <paramref name="batch"/> rows the loss scores: every row at every step, less
    /// the padding targets (0) when the loss ignores padding. The mean loss divides by this (by 1 when it is 0).
    /// </summary>
    internal int CountScoredTargets(int batch)
    {
        if (LossOp is not { } loss) return 0;
        if (!loss.IgnorePadding) return batch * loss.Steps;
        int scored = 0;
        for (int t = 0; t < loss.Steps; t++)
            for (int r = 0; r < batch; r++)
                if (TargetAt(t, r, batch) != 0) scored++;
        return scored;
    }

    /// <summary>
    /// Copies the <paramref name="batch"/> rows of <paramref name="view"/> at time step <paramref name="step"/> into
    /// <paramref name="destination"/> ([batch, cols]): the loss op's logits, for accuracy.
    /// </summary>
    internal virtual void ReadRows(View view, int step, int batch, Span<float> destination) =>
        throw new NotSupportedException($"{GetType().Name} cannot read its buffers back.");

    /// <summary>Step programs of attention models: positions fed since the last <see cref="ResetState"/> (the key/value caches hold <see cref="IrProgram.CacheCapacity"/>).</summary>
    public int CachedPositions { get; protected set; }

    /// <summary>Step programs with a key/value cache: refuses a step that would overflow it, else counts it.</summary>
    protected void CountCachedStep()
    {
        int capacity = Program.CacheCapacity;
        if (capacity == 0) return;
        if (CachedPositions >= capacity)
            throw new InvalidOperationException($"The key/value cache holds {capacity} positions and all are used; call ResetState and feed the last tokens again (Model.Generate does this by itself).");
        CachedPositions++;
    }

    /// <summary>Runs forward for the first <paramref name="batch"/> rows; returns the mean loss for training programs, else 0.</summary>
    public abstract double Forward(int batch);

    /// <summary>Backward after <see cref="Forward"/>: accumulates into the model's gradients (the caller zeroes them).</summary>
    public abstract void Backward(int batch);

    /// <summary>Copies the output rows [batch, width] (probabilities or logits) into <paramref name="destination"/>.</summary>
    public abstract void ReadOutput(Span<float> destination, int batch);

    /// <summary>Zeroes carried recurrent state (step programs).</summary>
    public abstract void ResetState();

    public virtual void Dispose() { }

    /// <summary>
    /// Whether the part of <paramref name="buffer"/> that a call for <paramref name="batch"/> rows uses holds a NaN or an
    /// infinity. Backends whose buffers stay on a device throw <see cref="NotSupportedException"/>.
    /// </summary>
    public virtual bool ContainsNonFinite(IrBuffer buffer, int batch) =>
        throw new NotSupportedException($"{GetType().Name} cannot read its buffers back to look for NaN or infinity.");

    /// <summary>The layer a buffer belongs to ("lstm_1" for "lstm_1_z" and "d_lstm_1_h"), or null for shared buffers.</summary>
    public string? LayerOf(IrBuffer buffer) => NonFiniteSearch.LayerOf(buffer.Name, LayerNames);

    /// <summary>
    /// After a step went non-finite: the first layer, in forward order (<paramref name="backward"/> false: weights, then
    /// activations) or backward order (true: activation gradients, then weight gradients), holding a NaN or an infinity.
    /// Null when no layer does, or when this backend cannot read its buffers back.
    /// </summary>
    public NonFiniteSite? FindNonFinite(int batch, bool backward) => NonFiniteSearch.Find(this, batch, backward);

    internal IReadOnlyList<string> LayerNames => _layerNames ??= Lowering.LayerNames(Model.Declaration);
    private IReadOnlyList<string>? _layerNames;

    protected void CheckBatch(int batch)
    {
        if (batch <= 0 || batch > BatchCapacity)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Batch must be in 1..{BatchCapacity}.");
    }

    /// <summary>Checks ids before any kernel sees them: kernels do not bounds-check.</summary>
    protected void ValidateIds(int batch, bool targets)
    {
        int vocabulary = Model.Vocabulary;
        var positions = QueryPositions;
        for (int i = 0; i < Math.Min(batch, positions.Length); i++)
            if ((uint)positions[i] >= (uint)Program.SequenceLength)
                throw new ArgumentOutOfRangeException(nameof(QueryPositions), $"Query position {positions[i]} of row {i} is outside 0..{Program.SequenceLength - 1}.");
        var tokens = Tokens[..(batch * Program.SequenceLength)];
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)vocabulary)
                throw new ArgumentOutOfRangeException(nameof(Tokens), $"Token id {tokens[i]} at row {i / Program.SequenceLength}, step {i % Program.SequenceLength} is outside the vocabulary 0..{vocabulary - 1}.");
        if (!targets) return;
        int outputs = Model.TargetClasses;
        var t = Targets[..(Program.TargetsPerStep ? batch * Program.SequenceLength : batch)];
        for (int i = 0; i < t.Length; i++)
            if ((uint)t[i] >= (uint)outputs)
                throw new ArgumentOutOfRangeException(nameof(Targets), $"Target id {t[i]} at position {i} is outside 0..{outputs - 1}.");
    }
}
