using ILGPU;
using ILGPU.Runtime;
using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Runtime;

namespace ModelDsl.Gpu;

/// <summary>
/// Base of the generated GPU programs. Every float buffer of the lowered program lives in one device arena (parameters at 0,
/// gradients next, then activations, state and a few per-row loss slots), every int buffer in a second; both are sized for
/// the batch capacity and allocated once. The generated <see cref="RunForward"/>/<see cref="RunBackward"/> launch one kernel per
/// op with arena offsets. Each call uploads parameters and ids, runs the whole op sequence on the device, and only then
/// downloads the loss, gradients or output. A training program can also keep the whole training state on the device and run
/// complete steps there (<see cref="IDeviceTraining"/>, GpuProgram.Training.cs).
/// </summary>
public abstract partial class GpuProgram : ProgramExecutor
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _floats;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _ints;
    private readonly int[] _bases;
    private readonly int _lossBase;
    private readonly int _lossSlots;
    private readonly int[] _tokens;
    private readonly int[] _targets;
    private readonly int[] _queryPositions;
    private readonly int _queryPositionsBase;
    private readonly int _rowSumsBase;
    private readonly int _scratchBase;
    private int _stateBatch;
    /// <summary>The loss's denominator for this call (targets scored), counted from the staged targets.</summary>
    private int _scoredTargets = 1;
    private readonly float[] _hostFloats;
    private readonly float[] _masks;
    private int _maskCursor;
    private bool _disposed;

    /// <param name="fingerprint">The generator's <see cref="ProgramFingerprint"/> of the same program; a mismatch means stale generated code.</param>
    protected GpuProgram(Model model, ProgramKind kind, int batchCapacity, bool emulator, string fingerprint) : base(model, kind, batchCapacity)
    {
        var actual = ProgramFingerprint.Of(Program);
        if (actual != fingerprint)
            throw new InvalidOperationException($"The generated code of {model.GetType().Name} does not match this ModelDsl runtime ({fingerprint} vs {actual}); rebuild the project.");
        Device = GpuDevice.Get(emulator);
        Random = model.DropoutRandom;

        var buffers = Program.Buffers;
        _bases = new int[buffers.Count];
        long floatCount = 0, intCount = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            long length = Math.Max(1, buffers[i].Length.Evaluate(batchCapacity, model.Vocabulary));
            if (buffers[i].ElementType == ElementType.Int32) { _bases[i] = checked((int)intCount); intCount += length; }
            else { _bases[i] = checked((int)floatCount); floatCount += length; }
        }
        if (_bases[0] != 0 || buffers[1].Kind != BufferKind.Gradients || _bases[1] != model.ParameterCount)
            throw new InvalidOperationException("The program does not start with the parameter and gradient buffers.");
        _lossSlots = Math.Max(1, MaxRows(Program.Forward, op => op is SoftmaxCrossEntropyOp x ? x.Logits.Rows : (Size?)null));
        _lossBase = checked((int)floatCount);
        floatCount += _lossSlots;
        // Scratch for the attention backward's per-query-row sums D_t (B·H·T floats for the largest attention op).
        _rowSumsBase = checked((int)floatCount);
        floatCount += MaxRows(Program.Backward, op => op is AttentionBackwardOp g ? Size.B * (g.Forward.Heads * g.Forward.Steps) : (Size?)null);
        // Generated: room for transposed copies of weights (the fused backward steps' Uᵀ).
        _scratchBase = checked((int)floatCount);
        floatCount += ScratchFloats;
        if (floatCount > int.MaxValue || intCount > int.MaxValue)
            throw new InvalidOperationException($"{model.GetType().Name} needs {floatCount:N0} floats for a batch of {batchCapacity}: more than one arena indexes.");

        _floats = Device.Accelerator.Allocate1D<float>(floatCount);
        _ints = Device.Accelerator.Allocate1D<int>(Math.Max(1, intCount));
        _floats.MemSetToZero();
        _ints.MemSetToZero();
        _tokens = new int[batchCapacity * Program.SequenceLength];
        _targets = new int[Program.TargetsPerStep ? batchCapacity * Program.SequenceLength : batchCapacity];
        // Query positions are staged on the host like the tokens (the last position unless set) and uploaded every call.
        _queryPositions = Program.QueryPositions is null ? Array.Empty<int>() : new int[batchCapacity];
        Array.Fill(_queryPositions, Program.SequenceLength - 1);
        _queryPositionsBase = Program.QueryPositions is { } q ? _bases[IndexOf(q)] : -1;
        // Host staging: gradients, loss slots and output rows share one array; every dropout mask of a call gets its own
        // stretch of another, so no upload waits for the previous one to leave.
        long output = Program.Output.Rows.Evaluate(batchCapacity, model.Vocabulary) * Program.Output.RowStride.Evaluate(batchCapacity, model.Vocabulary);
        _hostFloats = new float[Math.Max(Math.Max(model.ParameterCount, _lossSlots), output)];
        _masks = new float[MaskElements(Program.Forward)];
        Device.Accelerator.Synchronize();
    }

    /// <summary>The shared accelerator this program runs on.</summary>
    public GpuDevice Device { get; }

    /// <summary>The random stream dropout masks are drawn from (on the host, in the interpreter's order).</summary>
    protected Rng Random { get; }

    /// <summary>The bound vocabulary size.</summary>
    protected int V => Model.Vocabulary;

    /// <summary>The float arena: every float buffer of the program.</summary>
    protected ArrayView<float> Floats => _floats.View;

    /// <summary>The int arena: tokens, targets, query positions, and a step program's positions and token history.</summary>
    protected ArrayView<int> Ints => _ints.View;

    /// <summary>Arena offset of float buffer <paramref name="index"/> (an index into <see cref="IrProgram.Buffers"/>).</summary>
    protected int F(int index) => _bases[index];

    /// <summary>Arena offset of int buffer <paramref name="index"/>.</summary>
    protected int I(int index) => _bases[index];

    public override Span<int> Tokens => _tokens;
    public override Span<int> Targets => _targets;
    public override Span<int> QueryPositions => _queryPositions;

    /// <summary>
    /// Generated: draws and uploads the forward's dropout masks, in op order, before any launch (a mask depends on nothing but
    /// the random stream, so drawing it early changes no value and keeps the host out of the op sequence).
    /// </summary>
    protected virtual void DrawDropoutMasks(int B) { }

    /// <summary>Generated: forward for B rows, launching every op on the device.</summary>
    protected abstract void RunForward(int B);

    /// <summary>Generated: backward for B rows.</summary>
    protected abstract void RunBackward(int B);

    private long _uploadedParameterVersion = -1;

    public override double Forward(int batch)
    {
        CheckBatch(batch);
        bool training = Kind == ProgramKind.Train;
        ValidateIds(batch, training);
        if (Kind == ProgramKind.Step)
        {
            // Carried state (recurrent state, key/value caches, positions) is laid out for one batch size: a different size
            // starts from a zero state, as on the CPU.
            if (batch != _stateBatch)
            {
                ResetState();
                _stateBatch = batch;
            }
            CountCachedStep();
        }
        lock (Device.Sync)
        {
            Device.Accelerator.Bind(); // CUDA contexts are per thread, and callers may come from any thread
            var stream = Device.Accelerator.DefaultStream;
            // The host arrays are the truth for this call: a device-resident training copy newer than them is fetched first.
            // Inside Generate's loop they are uploaded only when the model saw them change (not again for every token).
            var parameters = Model.HostParameters();
            if (training || !ReuseUploadedParameters || _uploadedParameterVersion != Model.ParameterVersion)
            {
                _floats.View.SubView(0, Model.ParameterCount).CopyFromCPU(stream, (ReadOnlySpan<float>)parameters);
                _uploadedParameterVersion = Model.ParameterVersion;
            }
            UploadIdsAndRunForward(stream, batch, training);
            if (!training)
            {
                stream.Synchronize();
                StreamSynchronized();
                return 0;
            }
            var losses = _hostFloats.AsSpan(0, _lossSlots);
            _floats.View.SubView(_lossBase, _lossSlots).CopyToCPU(stream, losses);
            stream.Synchronize();
            StreamSynchronized();
            double loss = 0;
            foreach (var l in losses) loss += l;
            return loss;
        }
    }

    /// <summary>
    /// Uploads the staged ids, zeroes the loss slots, draws the dropout masks and launches the forward. Queued (a
    /// device-resident training step) the uploads go through a page-locked staging slot without synchronising the stream;
    /// otherwise each upload synchronises, as ILGPU's CopyFromCPU does.
    /// </summary>
    private void UploadIdsAndRunForward(AcceleratorStream stream, int batch, bool training)
    {
        int tokenCount = batch * Program.SequenceLength;
        int targetCount = Program.TargetsPerStep ? batch * Program.SequenceLength : batch;
        if (training) _scoredTargets = Math.Max(1, CountScoredTargets(batch));
        if (_queueUploads)
        {
            int slot = TakeSlot(stream);
            QueueInts(stream, slot, 0, _tokens.AsSpan(0, tokenCount), I(IndexOf(Program.Tokens)));
            if (training) QueueInts(stream, slot, _tokens.Length, _targets.AsSpan(0, targetCount), I(IndexOf(Program.Targets)));
            if (_queryPositionsBase >= 0) QueueInts(stream, slot, _tokens.Length + _targets.Length, _queryPositions.AsSpan(0, batch), _queryPositionsBase);
        }
        else
        {
            _ints.View.SubView(I(IndexOf(Program.Tokens)), tokenCount).CopyFromCPU(stream, (ReadOnlySpan<int>)_tokens.AsSpan(0, tokenCount));
            if (training)
                _ints.View.SubView(I(IndexOf(Program.Targets)), targetCount).CopyFromCPU(stream, (ReadOnlySpan<int>)_targets.AsSpan(0, targetCount));
            if (_queryPositionsBase >= 0)
                _ints.View.SubView(_queryPositionsBase, batch).CopyFromCPU(stream, (ReadOnlySpan<int>)_queryPositions.AsSpan(0, batch));
        }
        _floats.View.SubView(_lossBase, _lossSlots).MemSetToZero(stream);
        _maskCursor = 0;
        DrawDropoutMasks(batch);
        RunForward(batch);
    }

    public override void Backward(int batch)
    {
        CheckBatch(batch);
        if (Kind != ProgramKind.Train) throw new InvalidOperationException("Only training programs have a backward pass.");
        // A hand-driven backward adds into the host gradients: bring them up to date with the device first, or a later
        // download of the device's training state would overwrite what this adds.
        Model.SyncToHost();
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            var stream = Device.Accelerator.DefaultStream;
            int count = Model.ParameterCount;
            var gradients = _floats.View.SubView(F(1), count);
            gradients.MemSetToZero(stream);
            RunBackward(batch);
            var host = _hostFloats.AsSpan(0, count);
            gradients.CopyToCPU(stream, host);
            stream.Synchronize();
            // The caller zeroes the model's gradients once per step; programs accumulate into them.
            var target = Model.GradientArray;
            for (int i = 0; i < count; i++) target[i] += host[i];
        }
    }

    public override void ReadOutput(Span<float> destination, int batch)
    {
        CheckBatch(batch);
        var v = Program.Output;
        int cols = (int)v.Cols.Evaluate(batch, V), stride = (int)v.RowStride.Evaluate(batch, V);
        int offset = F(IndexOf(v.Buffer)) + (int)v.Offset.Evaluate(batch, V);
        int span = (batch - 1) * stride + cols;
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            var stream = Device.Accelerator.DefaultStream;
            _floats.View.SubView(offset, span).CopyToCPU(stream, _hostFloats.AsSpan(0, span));
            stream.Synchronize();
        }
        for (int r = 0; r < batch; r++)
            _hostFloats.AsSpan(r * stride, cols).CopyTo(destination.Slice(r * cols, cols));
    }

    internal override void ReadRows(View view, int step, int batch, Span<float> destination)
    {
        CheckBatch(batch);
        int cols = (int)view.Cols.Evaluate(batch, V), stride = (int)view.RowStride.Evaluate(batch, V);
        int offset = F(IndexOf(view.Buffer)) + (int)(view.Offset.Evaluate(batch, V) + step * view.TimeStride.Evaluate(batch, V));
        int span = (batch - 1) * stride + cols;
        var host = span <= _hostFloats.Length ? _hostFloats : new float[span];
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            var stream = Device.Accelerator.DefaultStream;
            _floats.View.SubView(offset, span).CopyToCPU(stream, host.AsSpan(0, span));
            stream.Synchronize();
        }
        for (int r = 0; r < batch; r++)
            host.AsSpan(r * stride, cols).CopyTo(destination.Slice(r * cols, cols));
    }

    public override void ResetState()
    {
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            var stream = Device.Accelerator.DefaultStream;
            for (int i = 0; i < Program.Buffers.Count; i++)
            {
                var b = Program.Buffers[i];
                if (b.Kind != BufferKind.State) continue;
                long length = Math.Max(1, b.Length.Evaluate(BatchCapacity, V));
                // Int state (positions, token history) lives in the int arena.
                if (b.ElementType == ElementType.Int32) _ints.View.SubView(I(i), length).MemSetToZero(stream);
                else _floats.View.SubView(F(i), length).MemSetToZero(stream);
            }
            stream.Synchronize();
        }
        CachedPositions = 0;
    }

    // ------------------------------------------------------------------ ops the generated code calls (arena offsets)

    protected void MatMul(bool transA, bool transB, int m, int n, int k, int a, int lda, int b, int ldb, int c, int ldc, bool accumulate, int bias = -1) =>
        Device.Gemm(Floats, new GemmArgs
        {
            M = m, N = n, K = k, A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc,
            TransA = transA ? 1 : 0, TransB = transB ? 1 : 0, Accumulate = accumulate ? 1 : 0, Bias = bias,
        });

    /// <summary>One gather, or with <paramref name="steps"/> above 1 a time loop's gathers (independent steps) in one launch.</summary>
    protected void GatherRows(int table, int tableStride, int ids, int idStride, int rows, int cols, int output, int outputStride, int bias, bool accumulate,
        int steps = 1, int idTimeStride = 0, int outputTimeStride = 0, int biasTimeStride = 0) =>
        Device.GatherRows(Floats, Ints, new GatherRowsArgs
        {
            Table = table, TableStride = tableStride, Ids = ids, IdStride = idStride, Rows = rows, Cols = cols,
            Output = output, OutputStride = outputStride, Bias = bias, Accumulate = accumulate ? 1 : 0,
            Steps = steps, IdTimeStride = idTimeStride, OutputTimeStride = outputTimeStride, BiasTimeStride = biasTimeStride,
        });

    /// <summary>One scatter-add, or a time loop's (atomic, so in any order) in one launch.</summary>
    protected void ScatterAddRows(int source, int sourceStride, int ids, int idStride, int rows, int cols, int table, int tableStride,
        int steps = 1, int sourceTimeStride = 0, int idTimeStride = 0) =>
        Device.ScatterAddRows(Floats, Ints, new ScatterAddRowsArgs
        {
            Source = source, SourceStride = sourceStride, Ids = ids, IdStride = idStride, Rows = rows, Cols = cols, Table = table, TableStride = tableStride,
            Steps = steps, SourceTimeStride = sourceTimeStride, IdTimeStride = idTimeStride,
        });

    /// <summary>One column sum, or with <paramref name="steps"/> above 1 one per time step (each into its own row) in one launch.</summary>
    protected void ColumnSums(int source, int rows, int cols, int stride, int sums, bool accumulate, int steps = 1, int sourceTimeStride = 0, int sumsTimeStride = 0)
    {
        var args = new ColumnSumsArgs
        {
            Source = source, Rows = rows, Cols = cols, Stride = stride, Sums = sums, Accumulate = accumulate ? 1 : 0,
            Steps = steps, SourceTimeStride = sourceTimeStride, SumsTimeStride = sumsTimeStride,
        };
        if (steps == 1) Device.ColumnSums(Floats, args);
        else Device.StepColumnSums(Floats, args);
    }

    /// <summary>
    /// Adds the mean cross-entropy over the rows (× steps) to the loss slots (summed on the host); dLogits = (p − onehot)/(rows·steps).
    /// With <paramref name="ignorePadding"/> padding targets (0) are skipped and the mean is over the batch's other targets,
    /// counted on the host when the ids were staged.
    /// </summary>
    protected void SoftmaxCrossEntropy(int logits, int rows, int cols, int stride, int targets, int targetStride, int dLogits, int dStride, int steps = 1, bool ignorePadding = false)
    {
        if (rows > _lossSlots) throw new InvalidOperationException($"Cross-entropy over {rows} rows, but only {_lossSlots} loss slots.");
        Device.SoftmaxCrossEntropy(Floats, Ints, new SoftmaxArgs
        {
            Logits = logits, Rows = rows, Cols = cols, Stride = stride, Output = dLogits, OutputStride = dStride,
            Targets = targets, TargetStride = targetStride, Losses = _lossBase,
            Scale = ignorePadding ? 1f / _scoredTargets : 1f / (rows * steps), IgnorePadding = ignorePadding ? 1 : 0,
        });
    }

    /// <summary>Adds the mean binary cross-entropy of one logit per row to the loss slots; dLogits = (σ(z) − y)/rows.</summary>
    protected void SigmoidCrossEntropy(int logits, int rows, int cols, int stride, int targets, int targetStride, int dLogits, int dStride)
    {
        if (rows > _lossSlots) throw new InvalidOperationException($"Cross-entropy over {rows} rows, but only {_lossSlots} loss slots.");
        Device.SigmoidCrossEntropy(Floats, Ints, new SoftmaxArgs
        {
            Logits = logits, Rows = rows, Cols = cols, Stride = stride, Output = dLogits, OutputStride = dStride,
            Targets = targets, TargetStride = targetStride, Losses = _lossBase, Scale = 1f / rows,
        });
    }

    protected void Softmax(int logits, int rows, int cols, int stride, int output, int outputStride) =>
        Device.Softmax(Floats, new SoftmaxArgs { Logits = logits, Rows = rows, Cols = cols, Stride = stride, Output = output, OutputStride = outputStride });

    /// <summary>Generated: floats of arena scratch the program's own code uses (transposed weights); read once, in the constructor.</summary>
    protected virtual int ScratchFloats => 0;

    /// <summary>
    /// Writes the [rows, cols] matrix at <paramref name="source"/> transposed into the arena scratch at
    /// <paramref name="scratchOffset"/> (row stride rows) and returns its arena offset: a fused backward step reads Uᵀ in
    /// coalesced rows. Stream-ordered, like every launch.
    /// </summary>
    protected int TransposeToScratch(int scratchOffset, int source, int sourceStride, int rows, int cols)
    {
        int target = _scratchBase + scratchOffset;
        Device.Transpose(Floats, source, sourceStride, target, rows, rows, cols);
        return target;
    }

    /// <summary>The generated code's switch between a fused recurrent step and its two launches (<see cref="GpuDevice.FuseRecurrentSteps"/>).</summary>
    protected bool FuseRecurrentSteps => Device.FuseRecurrentSteps;

    /// <summary>Whether a fused backward step with groups of <paramref name="groupSize"/> threads may run here (switch on, group size supported).</summary>
    protected bool FuseRecurrentBackward(int groupSize) =>
        Device.FuseRecurrentSteps && Device.FuseRecurrentBackwardSteps && groupSize <= Device.Accelerator.MaxNumThreadsPerGroup;

    protected Action<KernelConfig, ArrayView<float>, PointwiseArgs> LoadGroupedPointwise(Action<ArrayView<float>, PointwiseArgs> kernel) =>
        Device.LoadGroupedPointwise(kernel);

    /// <summary>Launches a generated grouped kernel: <paramref name="groups"/> groups of <paramref name="groupSize"/> threads.</summary>
    protected void GroupedPointwise(Action<KernelConfig, ArrayView<float>, PointwiseArgs> kernel, int groups, int groupSize, in PointwiseArgs args)
    {
        if (groups > 0) kernel(new KernelConfig(groups, groupSize), Floats, args);
    }

    protected void Zero(int target, int rows, int cols, int stride) => Device.Zero(Floats, target, rows, cols, stride);

    protected void TokenMask(int ids, int idStride, int rows, int cols, int mask, int stride) => Device.TokenMask(Floats, Ints, ids, idStride, rows, cols, mask, stride);

    protected void Copy(int source, int sourceStride, int target, int targetStride, int rows, int cols) =>
        Device.Copy(Floats, source, sourceStride, target, targetStride, rows, cols);

    /// <summary>target[r, :] = bias for every row: the start of C = A·B + b.</summary>
    protected void BroadcastRows(int bias, int target, int rows, int cols, int stride) => Device.Copy(Floats, bias, 0, target, stride, rows, cols);

    /// <summary>
    /// Draws the inverted-dropout mask on the host, row-major from <see cref="Random"/> exactly as the interpreter and the CPU
    /// program do (so all backends agree), and uploads it in stream order. Called from <see cref="DrawDropoutMasks"/>. An
    /// evaluation copy uploads a mask of ones and draws nothing.
    /// </summary>
    protected void DropoutMask(int mask, int rows, int cols, int stride, float rate)
    {
        float scale = 1f / (1f - rate);
        var host = _masks.AsSpan(_maskCursor, rows * cols);
        _maskCursor += host.Length;
        var stream = Device.Accelerator.DefaultStream;
        var queued = QueuedMaskSpan(host.Length);
        if (!queued.IsEmpty)
        {
            // Drawn straight into the page-locked slot and copied without a synchronisation (see GpuProgram.Uploads.cs).
            for (int i = 0; i < queued.Length; i++) queued[i] = Evaluating ? 1f : Random.NextFloat() >= rate ? scale : 0f;
            if (stride == cols)
            {
                ArrayView<float> view = _floats.View.SubView(mask, queued.Length);
                view.CopyFromCPUUnsafeAsync(stream, ref queued[0], queued.Length);
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    ArrayView<float> view = _floats.View.SubView(mask + r * stride, cols);
                    view.CopyFromCPUUnsafeAsync(stream, ref queued[r * cols], cols);
                }
            }
            return;
        }
        for (int i = 0; i < host.Length; i++) host[i] = Evaluating ? 1f : Random.NextFloat() >= rate ? scale : 0f;
        if (stride == cols)
        {
            _floats.View.SubView(mask, host.Length).CopyFromCPU(stream, (ReadOnlySpan<float>)host);
        }
        else
        {
            for (int r = 0; r < rows; r++)
                _floats.View.SubView(mask + r * stride, cols).CopyFromCPU(stream, (ReadOnlySpan<float>)host.Slice(r * cols, cols));
        }
    }

    /// <summary>Loads a generated pointwise kernel on this program's accelerator.</summary>
    protected Action<Index1D, ArrayView<float>, PointwiseArgs> LoadPointwise(Action<Index1D, ArrayView<float>, PointwiseArgs> kernel) =>
        Device.LoadPointwise(kernel);

    /// <summary>Launches a generated pointwise kernel over <paramref name="elements"/> = rows · cols threads.</summary>
    protected void Pointwise(Action<Index1D, ArrayView<float>, PointwiseArgs> kernel, int elements, in PointwiseArgs args)
    {
        if (elements > 0) kernel(elements, Floats, args);
    }

    /// <summary>Mask elements one forward draws at the batch capacity, loops counted.</summary>
    private int MaskElements(IReadOnlyList<Op> ops)
    {
        long total = 0;
        foreach (var op in ops)
        {
            if (op is LoopOp loop) total += (long)loop.Count * MaskElements(loop.Body);
            else if (op is DropoutMaskOp d) total += (d.Mask.Rows * d.Mask.Cols).Evaluate(BatchCapacity, Model.Vocabulary);
        }
        return checked((int)total);
    }

    private int IndexOf(IrBuffer buffer)
    {
        var buffers = Program.Buffers;
        for (int i = 0; i < buffers.Count; i++)
            if (ReferenceEquals(buffers[i], buffer)) return i;
        throw new InvalidOperationException("Buffer " + buffer.Name + " is not in the program.");
    }

    private int MaxRows(IReadOnlyList<Op> ops, Func<Op, Size?> size)
    {
        long max = 0;
        foreach (var op in ops)
        {
            if (op is LoopOp loop) max = Math.Max(max, MaxRows(loop.Body, size));
            else if (size(op) is { } s) max = Math.Max(max, s.Evaluate(BatchCapacity, Model.Vocabulary));
        }
        return checked((int)max);
    }

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            // Queued steps (a Fit that failed before reading them) may still be copying from the staging slots or using the arena.
            Device.Accelerator.DefaultStream.Synchronize();
            _floats.Dispose();
            _ints.Dispose();
            DisposeUploadSlots();
            _optimizerState?.Dispose();
            _stepLog?.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}
