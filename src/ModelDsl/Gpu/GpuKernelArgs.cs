namespace ModelDsl.Gpu;

// Kernel arguments travel as one struct each (ILGPU takes at most 14 parameters after the index). Every offset is an index
// into the program's float arena (or, for ids, its int arena); -1 marks an absent optional operand.

/// <summary>C (+)= op(A)·op(B) (+ bias) over row-major windows of the float arena.</summary>
public struct GemmArgs
{
    public int M, N, K;
    public int A, Lda, B, Ldb, C, Ldc;
    public int TransA, TransB, Accumulate;
    /// <summary>Offset of a [1, N] bias row added to every row of C, or -1.</summary>
    public int Bias;
}

/// <summary>
/// Output[r, :] (+)= Table[Ids[r], :] (+ bias), for <see cref="Steps"/> independent time steps in one launch: step s reads its
/// ids at Ids + s·IdTimeStride, its bias at Bias + s·BiasTimeStride and writes at Output + s·OutputTimeStride.
/// </summary>
public struct GatherRowsArgs
{
    public int Table, TableStride, Ids, IdStride, Rows, Cols, Output, OutputStride, Bias, Accumulate;
    public int Steps, IdTimeStride, OutputTimeStride, BiasTimeStride;
}

/// <summary>Table[Ids[r], :] += Source[r, :], for <see cref="Steps"/> time steps in one launch (step s at + s·…TimeStride).</summary>
public struct ScatterAddRowsArgs
{
    public int Source, SourceStride, Ids, IdStride, Rows, Cols, Table, TableStride;
    public int Steps, SourceTimeStride, IdTimeStride;
    /// <summary>Set by the device: 1 on the CPU emulator (see <see cref="GpuKernels.AtomicAdd"/>).</summary>
    public int BitwiseAtomics;
}

/// <summary>
/// Sums[c] (+)= Σ_r Source[r, c]; with <see cref="Steps"/> above 1, one such sum per time step in one launch, step s reading
/// Source + s·SourceTimeStride and writing Sums + s·SumsTimeStride.
/// </summary>
public struct ColumnSumsArgs
{
    public int Source, Rows, Cols, Stride, Sums, Accumulate;
    public int Steps, SourceTimeStride, SumsTimeStride;
}

/// <summary>Row-wise softmax, or softmax + cross-entropy against integer targets.</summary>
public struct SoftmaxArgs
{
    public int Logits, Rows, Cols, Stride;
    /// <summary>Softmax: the probabilities. Cross-entropy: dLogits (or -1 when not training).</summary>
    public int Output, OutputStride;
    public int Targets, TargetStride;
    /// <summary>Cross-entropy: per-row loss slots (each row adds its loss · <see cref="Scale"/>).</summary>
    public int Losses;
    /// <summary>Cross-entropy: the scale of the loss and of dLogits (1/rows for a mean).</summary>
    public float Scale;
    /// <summary>Cross-entropy: 1 when target 0 is padding (no loss, dLogits 0); 0 scores every row.</summary>
    public int IgnorePadding;
}

/// <summary>A [Rows, Cols] window: zero it, copy it, or broadcast a row into it.</summary>
public struct RowsArgs
{
    public int Source, SourceStride, Target, TargetStride, Rows, Cols;
}

/// <summary>
/// The operands of a generated pointwise kernel: the arena offsets of its inputs then its outputs (O0, O1, …), and B and V for
/// any size that depends on them. One shared public type because ILGPU's launchers cannot see types nested in the generated
/// (private) program classes.
/// </summary>
public struct PointwiseArgs
{
    /// <summary>Operand slots: a pointwise op may read and write at most this many views.</summary>
    public const int MaxOperands = 32;

    public int B, V;
    public int O0, O1, O2, O3, O4, O5, O6, O7, O8, O9, O10, O11, O12, O13, O14, O15, O16, O17, O18, O19, O20, O21, O22, O23, O24, O25, O26, O27, O28, O29, O30, O31;
}

/// <summary>
/// Fused multi-head attention over time-major rows (row t·Batch + b): Q, K, V and Output as offsets with row strides; head h
/// owns columns [h·KeySize, (h+1)·KeySize).
/// </summary>
public struct AttentionArgs
{
    public int Q, QStride, K, KStride, V, VStride, Output, OutputStride;
    public int Batch, Steps, Heads, KeySize, Causal;
    /// <summary>Int-arena offset of the key ids (id of (b, s) at Mask + b·MaskBatchStride + s·MaskPositionStride; 0 is padding), or -1.</summary>
    public int Mask, MaskBatchStride, MaskPositionStride;
    /// <summary>Saved softmax weights [Batch, Heads, Steps, Steps], or -1 (inference).</summary>
    public int Probabilities;
    public float Scale;
}

/// <summary>
/// The attention backward from the saved weights: dQ, dK, dV assigned. RowSums is a float-arena scratch of Batch·Heads·Steps
/// floats for D_t = Σ_s P_ts·(dOut_t·v_s), written by the query-row kernel and read by the key-row kernel.
/// </summary>
public struct AttentionBackwardArgs
{
    public int Q, QStride, K, KStride, V, VStride, Probabilities;
    public int DOutput, DOutputStride, DQ, DQStride, DK, DKStride, DV, DVStride;
    public int Batch, Steps, Heads, KeySize, RowSums;
    public float Scale;
}

/// <summary>
/// One position of attention with a key/value cache: Q, K, V and Output are [Batch, Heads·KeySize]; the caches are
/// [Capacity·Batch, Heads·KeySize] time-major with row stride CacheStride; Positions (int arena) holds each row's position.
/// </summary>
public struct CachedAttentionArgs
{
    public int Q, QStride, K, KStride, V, VStride, Output, OutputStride;
    public int KeyCache, ValueCache, CacheStride, Positions;
    public int Batch, Heads, KeySize;
    /// <summary>As in <see cref="AttentionArgs"/>: the key ids (here the recorded token history), or -1.</summary>
    public int Mask, MaskBatchStride, MaskPositionStride;
    public float Scale;
}

/// <summary>Layer normalisation of [Rows, Cols]; Mean and InverseStd ([Rows] each) are -1 when not saved. The D* fields are the backward's.</summary>
public struct LayerNormArgs
{
    public int X, XStride, Gamma, Beta, Y, YStride, Rows, Cols, Mean, InverseStd;
    public int DY, DYStride, DX, DXStride, DGamma, DBeta;
    public float Epsilon;
}

/// <summary>
/// The position bookkeeping of attention models: Positions (int arena, [Batch]); a gather of one row per sample from a
/// time-major float Sequence; the token history (int arena) of a step program.
/// </summary>
public struct PositionArgs
{
    public int Positions, Batch;
    public int Sequence, SequenceStride, Cols, Output, OutputStride;
    public int Tokens, TokenStride, History;
}

/// <summary>
/// The device-resident training step after backward. Offsets <see cref="Gradients"/> index the float arena; <see cref="Scalars"/>,
/// <see cref="Losses"/> and <see cref="Status"/> index the program's step log (see <see cref="GpuKernels.StepGate"/>).
/// </summary>
public struct TrainingStepArgs
{
    /// <summary>Arena offsets of the gradients (the parameters sit at 0) and their count n.</summary>
    public int Gradients, Count;
    /// <summary>Threads of the gradient reduction (each strides over the gradients by this many).</summary>
    public int Threads;
    /// <summary>Step-log offsets: the four step scalars, this step's copy of the loss slots, and its status.</summary>
    public int Scalars, Losses, LossCount, Status;
    /// <summary>Global-norm clipping threshold, or 0 for none.</summary>
    public float ClipNorm;
    /// <summary>1: a faulty step halts every later update until the host reads the log (Fit without SkipNonFiniteBatches).</summary>
    public int HaltOnFault;
    /// <summary>Set by the device: 1 on the CPU emulator, whose float atomics spin on NaN (see <see cref="GpuKernels.AtomicAdd"/>).</summary>
    public int BitwiseAtomics;
}

/// <summary>One optimizer update rule with its per-step coefficients (see <see cref="ModelDsl.Training.DeviceUpdateRule"/>).</summary>
public struct OptimizerArgs
{
    public int Gradients, Count, Scalars;
    /// <summary>0 SGD, 1 SGD with momentum, 2 Nesterov SGD, 3 RMSprop, 4 Adam.</summary>
    public int Rule;
    /// <summary>lr; ρ or β₁ or μ; 1−ρ or 1−β₁; 1−β₂; ε; Adam's bias-corrected step α.</summary>
    public float LearningRate, Decay, OneMinusDecay, OneMinusDecay2, Epsilon, Alpha;
}
