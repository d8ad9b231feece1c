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

/// <summary>Output[r, :] (+)= Table[Ids[r], :] (+ bias).</summary>
public struct GatherRowsArgs
{
    public int Table, TableStride, Ids, IdStride, Rows, Cols, Output, OutputStride, Bias, Accumulate;
}

/// <summary>Table[Ids[r], :] += Source[r, :].</summary>
public struct ScatterAddRowsArgs
{
    public int Source, SourceStride, Ids, IdStride, Rows, Cols, Table, TableStride;
}

/// <summary>Sums[c] (+)= Σ_r Source[r, c].</summary>
public struct ColumnSumsArgs
{
    public int Source, Rows, Cols, Stride, Sums, Accumulate;
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
