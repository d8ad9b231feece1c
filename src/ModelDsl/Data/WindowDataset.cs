namespace ModelDsl.Data;

/// <summary>
/// Next-character training examples read straight from a token stream, as in the Keras example
/// (<c>for i in range(0, len(text) - maxlen, step)</c>): window <c>i</c> is the
/// <see cref="WindowLength"/> tokens starting at <c>i * step</c>, its target the token right after.
/// </summary>
/// <remarks>
/// Windows are never materialized: the Keras example's one-hot tensor for Nietzsche
/// (200k windows × 60 × 59 booleans) is built here one batch at a time by <see cref="FillBatch(ReadOnlySpan{int}, Span{int}, Span{int})"/>.
/// A dataset may view a segment of a larger stream (see <see cref="SplitByPosition"/>) without copying it.
/// </remarks>
public sealed class WindowDataset : ISequenceData
{
    private readonly int[] _tokens;
    private readonly int _start;

    /// <summary>Windows over the whole of <paramref name="tokens"/> (kept by reference, not copied).</summary>
    /// <exception cref="ArgumentException">The stream is shorter than one window plus its target.</exception>
    public WindowDataset(int[] tokens, int windowLength, int step)
        : this(tokens ?? throw new ArgumentNullException(nameof(tokens)), 0, tokens.Length, windowLength, step)
    {
    }

    private WindowDataset(int[] tokens, int start, int length, int windowLength, int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        if (length < windowLength + 1)
        {
            throw new ArgumentException(
                $"The corpus has {length} tokens, but a window of {windowLength} needs at least {windowLength + 1} (the window and the token after it).",
                nameof(tokens));
        }
        _tokens = tokens;
        _start = start;
        TokenCount = length;
        WindowLength = windowLength;
        Step = step;
        // len(range(0, length - windowLength, step))
        Count = (length - windowLength + step - 1) / step;
    }

    /// <summary>Tokens per window (the sequence length, <c>maxlen</c> in Keras).</summary>
    public int WindowLength { get; }

    /// <summary>Distance in tokens between the starts of consecutive windows.</summary>
    public int Step { get; }

    /// <summary>Tokens in the segment of the stream this dataset covers.</summary>
    public int TokenCount { get; }

    /// <summary>Number of windows.</summary>
    public int Count { get; }

    /// <summary>
    /// Splits the token stream by position: the first part of the text trains, the last
    /// <paramref name="validationFraction"/> of its tokens validates. Each part builds its windows the
    /// same way from its own start, so no window or target crosses the split and no text is shared.
    /// </summary>
    /// <exception cref="ArgumentException">A part is shorter than one window plus its target.</exception>
    public (WindowDataset Train, WindowDataset Validation) SplitByPosition(double validationFraction)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in (0, 1).");
        int validationLength = (int)Math.Round(TokenCount * validationFraction, MidpointRounding.AwayFromZero);
        int trainLength = TokenCount - validationLength;
        if (trainLength < WindowLength + 1 || validationLength < WindowLength + 1)
        {
            throw new ArgumentException(
                $"Splitting {TokenCount} tokens at {validationFraction:0.###} gives {trainLength} training and {validationLength} validation tokens; " +
                $"each part needs at least {WindowLength + 1} for a window of {WindowLength}.",
                nameof(validationFraction));
        }
        return (new WindowDataset(_tokens, _start, trainLength, WindowLength, Step),
                new WindowDataset(_tokens, _start + trainLength, validationLength, WindowLength, Step));
    }

    /// <summary>The tokens of window <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> Window(int index)
    {
        CheckIndex(index);
        return new ReadOnlySpan<int>(_tokens, _start + index * Step, WindowLength);
    }

    /// <summary>The target (next token) of window <paramref name="index"/>.</summary>
    public int Target(int index)
    {
        CheckIndex(index);
        return _tokens[_start + index * Step + WindowLength];
    }

    /// <summary>Copies the windows and targets of a batch. Allocates nothing.</summary>
    /// <param name="windowIndices">The batch's window indices, B of them.</param>
    /// <param name="inputs">inputs: [B, T] row-major token ids, T = <see cref="WindowLength"/>.</param>
    /// <param name="targets">targets: [B] token ids.</param>
    public void FillBatch(ReadOnlySpan<int> windowIndices, Span<int> inputs, Span<int> targets)
    {
        int batch = windowIndices.Length;
        if (inputs.Length < batch * WindowLength)
            throw new ArgumentException($"inputs holds {inputs.Length} ids; a batch of {batch} windows of {WindowLength} needs {batch * WindowLength}.", nameof(inputs));
        if (targets.Length < batch)
            throw new ArgumentException($"targets holds {targets.Length} ids; a batch of {batch} needs {batch}.", nameof(targets));

        ReadOnlySpan<int> tokens = _tokens;
        for (int b = 0; b < batch; b++)
        {
            int index = windowIndices[b];
            CheckIndex(index);
            int offset = _start + index * Step;
            tokens.Slice(offset, WindowLength).CopyTo(inputs.Slice(b * WindowLength, WindowLength));
            targets[b] = tokens[offset + WindowLength];
        }
    }

    /// <summary>Pointer form of <see cref="FillBatch(ReadOnlySpan{int}, Span{int}, Span{int})"/> for buffers the runtime allocated once.</summary>
    /// <param name="windowIndices">The batch's window indices, B of them.</param>
    /// <param name="inputs">inputs: [B, T] row-major, room for B × <see cref="WindowLength"/> ids.</param>
    /// <param name="targets">targets: [B].</param>
    public unsafe void FillBatch(ReadOnlySpan<int> windowIndices, int* inputs, int* targets)
    {
        if (inputs == null) throw new ArgumentNullException(nameof(inputs));
        if (targets == null) throw new ArgumentNullException(nameof(targets));
        FillBatch(windowIndices,
            new Span<int>(inputs, windowIndices.Length * WindowLength),
            new Span<int>(targets, windowIndices.Length));
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Window index must be in [0, {Count}).");
    }

    int ISequenceData.SequenceLength => WindowLength;

    ReadOnlySpan<int> ISequenceData.Sequence(int index) => Window(index);

    /// <summary>Inputs [B, T] and next-token targets at every position [B, T]: target (b, t) is the token after input (b, t).</summary>
    public void FillBatchPerStep(ReadOnlySpan<int> windowIndices, Span<int> inputs, Span<int> targets)
    {
        int batch = windowIndices.Length;
        if (inputs.Length < batch * WindowLength || targets.Length < batch * WindowLength)
            throw new ArgumentException($"A batch of {batch} windows of {WindowLength} needs {batch * WindowLength} inputs and targets.");
        ReadOnlySpan<int> tokens = _tokens;
        for (int b = 0; b < batch; b++)
        {
            int index = windowIndices[b];
            CheckIndex(index);
            int offset = _start + index * Step;
            tokens.Slice(offset, WindowLength).CopyTo(inputs.Slice(b * WindowLength, WindowLength));
            tokens.Slice(offset + 1, WindowLength).CopyTo(targets.Slice(b * WindowLength, WindowLength));
        }
    }
}
