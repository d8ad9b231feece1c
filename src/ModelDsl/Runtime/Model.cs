using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Runtime;

namespace ModelDsl;

/// <summary>
/// Base of every generated model: owns the flat parameter and gradient buffers laid out by the lowering, and the
/// programs (train, infer, step) of the chosen backend, each allocated once per batch capacity.
/// </summary>
public abstract partial class Model : IDisposable
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly Dictionary<ProgramKind, ProgramExecutor> _programs = new();
    private readonly Rng _root;

    protected Model(ModelSpec declaration, int vocabulary, ModelOptions? options)
    {
        Declaration = declaration;
        Options = options ?? new ModelOptions();
        var input = declaration.Layers[0];
        if (vocabulary <= 0)
            throw new ArgumentOutOfRangeException(nameof(vocabulary), vocabulary, "The vocabulary must be positive: pass the tokenizer's size.");
        if (!SymbolicSize.IsSymbolic(input.Size) && input.Size != vocabulary)
            throw new ArgumentException($"{GetType().Name} declares a vocabulary of {input.Size}, but {vocabulary} was given.", nameof(vocabulary));
        Vocabulary = vocabulary;
        SequenceLength = input.Length;
        var last = declaration.Layers[^1];
        OutputSize = SymbolicSize.IsSymbolic(last.Size) ? vocabulary : last.Size;
        TargetClasses = last.Activation == ActivationKind.Sigmoid ? 2 : OutputSize;

        var layout = Lowering.Lower(declaration, ProgramKind.Train);
        ParameterTensors = layout.Parameters;
        long count = layout.ParameterCount.Evaluate(1, vocabulary);
        if (count > Array.MaxLength) throw new ArgumentException($"{GetType().Name} would have {count:N0} parameters with a vocabulary of {vocabulary:N0}: too many.");
        ParameterCount = (int)count;
        _parameters = GC.AllocateArray<float>(ParameterCount, pinned: true);
        _gradients = GC.AllocateArray<float>(ParameterCount, pinned: true);

        _root = new Rng(Options.Seed);
        ParameterInitializer.Initialize(ParameterTensors, _parameters, vocabulary, _root.Fork(1));
        DropoutRandom = _root.Fork(2);
        ShuffleRandom = _root.Fork(3);
        SamplingRandom = _root.Fork(4);
        Backend = ResolveBackend(Options.Backend);
    }

    /// <summary>The layers as declared.</summary>
    public ModelSpec Declaration { get; }
    public ModelOptions Options { get; }
    public Backend Backend { get; }
    public int Vocabulary { get; }
    /// <summary>Tokens per input window.</summary>
    public int SequenceLength { get; }
    /// <summary>Width of the last layer's output.</summary>
    public int OutputSize { get; }
    /// <summary>Valid targets are 0..TargetClasses−1: the outputs, or 0/1 for a one-unit sigmoid output.</summary>
    public int TargetClasses { get; }
    /// <summary>
    /// Whether the model has an output at every position (a Dense over a sequence): it trains on a target per position,
    /// [B, <see cref="SequenceLength"/>], and its loss is the mean over all positions. Otherwise one target per window, [B].
    /// </summary>
    public bool TargetsPerStep => Lowering.OutputIsPerStep(Declaration);
    /// <summary>
    /// Whether target id 0 is padding (a per-step output of a model with <c>maskZero</c>): such positions are left out of the
    /// loss, its mean and the accuracy, in training and evaluation alike.
    /// </summary>
    public bool IgnoresPaddingTargets => Lowering.IgnoresPaddingTargets(Declaration);
    public int ParameterCount { get; }
    public IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <summary>
    /// All weights, laid out as <see cref="ParameterTensors"/> say. After device-resident training (GPU backend) this first
    /// downloads the device's weights, and since the span may be written, the next device step uploads them again.
    /// </summary>
    public Span<float> Parameters
    {
        get
        {
            HostWrites();
            return _parameters;
        }
    }

    /// <summary>The last step's gradients (clipped, when clipping applied); downloaded first after a device-resident step.</summary>
    public Span<float> Gradients
    {
        get
        {
            SyncToHost();
            return _gradients;
        }
    }

    internal float[] ParameterArray => _parameters;
    internal float[] GradientArray => _gradients;
    internal Rng DropoutRandom { get; }
    internal Rng ShuffleRandom { get; }
    internal Rng SamplingRandom { get; }

    /// <summary>The values of one named tensor (e.g. "lstm.kernel"), writable (synchronised like <see cref="Parameters"/>).</summary>
    public Span<float> Parameter(string name)
    {
        HostWrites();
        return ParameterSlice(name);
    }

    /// <summary>
    /// The gradient of one named tensor (e.g. "lstm.kernel"), laid out like <see cref="Parameter(string)"/>: the last
    /// <see cref="TrainBatch(int, float?)"/> step's gradient of the mean loss (clipped, when clipping applied), or what
    /// <see cref="ProgramExecutor.Backward"/> accumulated since the gradients were last zeroed. Downloaded first after a
    /// device-resident step, like <see cref="Gradients"/>; a frozen tensor's gradient stays zero.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The model has no tensor of that name (the message lists the names).</exception>
    public Span<float> Gradient(string name)
    {
        SyncToHost();
        return TensorSlice(_gradients, name);
    }

    /// <summary>One named tensor's values for a host reader that does not change them (Save): no re-upload follows.</summary>
    internal ReadOnlySpan<float> ParameterValues(string name)
    {
        SyncToHost();
        return ParameterSlice(name);
    }

    private Span<float> ParameterSlice(string name) => TensorSlice(_parameters, name);

    /// <summary>The stretch of a flat parameter-shaped array (weights or gradients) that holds tensor <paramref name="name"/>.</summary>
    private Span<float> TensorSlice(float[] flat, string name)
    {
        foreach (var t in ParameterTensors)
            if (t.Name == name)
                return flat.AsSpan((int)t.Offset.Evaluate(1, Vocabulary), (int)t.Length.Evaluate(1, Vocabulary));
        throw new KeyNotFoundException($"{GetType().Name} has no parameter '{name}'; it has {string.Join(", ", ParameterTensors.Select(p => p.Name))}.");
    }

    /// <summary>Generated: the CPU program of the given kind.</summary>
    protected abstract ProgramExecutor CreateCpuProgram(ProgramKind kind, int batchCapacity);

    /// <summary>Generated when the model has GPU kernels: the ILGPU program of the given kind.</summary>
    protected virtual ProgramExecutor CreateGpuProgram(ProgramKind kind, int batchCapacity, bool emulator) =>
        throw new NotSupportedException($"{GetType().Name} has no GPU program.");

    /// <summary>The program of <paramref name="kind"/> with room for at least <paramref name="batchCapacity"/> rows, created once and reused.</summary>
    public ProgramExecutor GetProgram(ProgramKind kind, int batchCapacity)
    {
        if (_programs.TryGetValue(kind, out var existing))
        {
            if (existing.BatchCapacity >= batchCapacity) return existing;
            ReleaseDevice(existing);
            existing.Dispose();
        }
        var created = CreateProgram(kind, batchCapacity);
        _programs[kind] = created;
        return created;
    }

    private ProgramExecutor CreateProgram(ProgramKind kind, int batchCapacity) => Backend switch
    {
        Backend.Cpu => CreateCpuProgram(kind, batchCapacity),
        Backend.Reference => new ReferenceProgram(this, kind, batchCapacity),
        Backend.Gpu => CreateGpuProgram(kind, batchCapacity, emulator: false),
        Backend.GpuEmulator => CreateGpuProgram(kind, batchCapacity, emulator: true),
        _ => throw new InvalidOperationException(Backend.ToString()),
    };

    /// <summary>
    /// A second training program, for evaluation only (<see cref="ProgramExecutor.Evaluating"/>: dropout off, never steps):
    /// Evaluate scores with the training loss op itself, without touching a batch staged for <see cref="TrainBatch(int, float?)"/>
    /// or the device copy of the training state.
    /// </summary>
    private ProgramExecutor EvaluationProgram(int batchCapacity)
    {
        if (_evaluation is { } existing)
        {
            if (existing.BatchCapacity >= batchCapacity) return existing;
            existing.Dispose();
            _evaluation = null;
        }
        var created = CreateProgram(ProgramKind.Train, batchCapacity);
        created.Evaluating = true;
        return _evaluation = created;
    }
    private ProgramExecutor? _evaluation;

    /// <summary>The program of <paramref name="kind"/> if one was created, without creating or resizing it.</summary>
    internal ProgramExecutor? ExistingProgram(ProgramKind kind) => _programs.TryGetValue(kind, out var p) ? p : null;

    private static Backend ResolveBackend(Backend requested) =>
        requested == Backend.Auto ? (GpuAvailability.HasCudaDevice() ? Backend.Gpu : Backend.Cpu) : requested;

    public void Dispose()
    {
        // The weights stay readable on the host after the programs are gone.
        foreach (var p in _programs.Values) ReleaseDevice(p);
        foreach (var p in _programs.Values) p.Dispose();
        _programs.Clear();
        _evaluation?.Dispose();
        _evaluation = null;
        GC.SuppressFinalize(this);
    }
}
