#nullable enable
using System;
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// The one dispatch over op kinds. Every consumer of programs (both renderers, the interpreter, the fingerprint, the
    /// lowering's remapping) is a visitor with one method per op kind; a new op kind is a new abstract method, so the
    /// compiler names every consumer that must learn it, instead of a forgotten switch arm keeping a silent default.
    /// </summary>
    public abstract class OpVisitor
    {
        public void Visit(Op op)
        {
            switch (op)
            {
                case LoopOp x: VisitLoop(x); break;
                case MatMulOp x: VisitMatMul(x); break;
                case GatherRowsOp x: VisitGatherRows(x); break;
                case ScatterAddRowsOp x: VisitScatterAddRows(x); break;
                case ColumnSumsOp x: VisitColumnSums(x); break;
                case PointwiseOp x: VisitPointwise(x); break;
                case SoftmaxCrossEntropyOp x: VisitSoftmaxCrossEntropy(x); break;
                case SoftmaxOp x: VisitSoftmax(x); break;
                case DropoutMaskOp x: VisitDropoutMask(x); break;
                case TokenMaskOp x: VisitTokenMask(x); break;
                case ZeroOp x: VisitZero(x); break;
                case CopyOp x: VisitCopy(x); break;
                case AttentionOp x: VisitAttention(x); break;
                case AttentionBackwardOp x: VisitAttentionBackward(x); break;
                case CachedAttentionOp x: VisitCachedAttention(x); break;
                case LayerNormOp x: VisitLayerNorm(x); break;
                case LayerNormBackwardOp x: VisitLayerNormBackward(x); break;
                case GatherPositionsOp x: VisitGatherPositions(x); break;
                case RecordTokensOp x: VisitRecordTokens(x); break;
                case AdvancePositionsOp x: VisitAdvancePositions(x); break;
                case GlobalPoolOp x: VisitGlobalPool(x); break;
                case GlobalPoolBackwardOp x: VisitGlobalPoolBackward(x); break;
                default: throw new NotSupportedException(GetType().Name + " does not know " + op.GetType().Name + ".");
            }
        }

        public void VisitAll(IReadOnlyList<Op> ops)
        {
            foreach (var op in ops) Visit(op);
        }

        protected abstract void VisitLoop(LoopOp op);
        protected abstract void VisitMatMul(MatMulOp op);
        protected abstract void VisitGatherRows(GatherRowsOp op);
        protected abstract void VisitScatterAddRows(ScatterAddRowsOp op);
        protected abstract void VisitColumnSums(ColumnSumsOp op);
        protected abstract void VisitPointwise(PointwiseOp op);
        protected abstract void VisitSoftmaxCrossEntropy(SoftmaxCrossEntropyOp op);
        protected abstract void VisitSoftmax(SoftmaxOp op);
        protected abstract void VisitDropoutMask(DropoutMaskOp op);
        protected abstract void VisitTokenMask(TokenMaskOp op);
        protected abstract void VisitZero(ZeroOp op);
        protected abstract void VisitCopy(CopyOp op);
        protected abstract void VisitAttention(AttentionOp op);
        protected abstract void VisitAttentionBackward(AttentionBackwardOp op);
        protected abstract void VisitCachedAttention(CachedAttentionOp op);
        protected abstract void VisitLayerNorm(LayerNormOp op);
        protected abstract void VisitLayerNormBackward(LayerNormBackwardOp op);
        protected abstract void VisitGatherPositions(GatherPositionsOp op);
        protected abstract void VisitRecordTokens(RecordTokensOp op);
        protected abstract void VisitAdvancePositions(AdvancePositionsOp op);
        protected abstract void VisitGlobalPool(GlobalPoolOp op);
        protected abstract void VisitGlobalPoolBackward(GlobalPoolBackwardOp op);
    }

    /// <summary>The same dispatch for visitors that make a value of each op (<see cref="OpVisitor"/>).</summary>
    public abstract class OpVisitor<T>
    {
        public T Visit(Op op) => op switch
        {
            LoopOp x => VisitLoop(x),
            MatMulOp x => VisitMatMul(x),
            GatherRowsOp x => VisitGatherRows(x),
            ScatterAddRowsOp x => VisitScatterAddRows(x),
            ColumnSumsOp x => VisitColumnSums(x),
            PointwiseOp x => VisitPointwise(x),
            SoftmaxCrossEntropyOp x => VisitSoftmaxCrossEntropy(x),
            SoftmaxOp x => VisitSoftmax(x),
            DropoutMaskOp x => VisitDropoutMask(x),
            TokenMaskOp x => VisitTokenMask(x),
            ZeroOp x => VisitZero(x),
            CopyOp x => VisitCopy(x),
            AttentionOp x => VisitAttention(x),
            AttentionBackwardOp x => VisitAttentionBackward(x),
            CachedAttentionOp x => VisitCachedAttention(x),
            LayerNormOp x => VisitLayerNorm(x),
            LayerNormBackwardOp x => VisitLayerNormBackward(x),
            GatherPositionsOp x => VisitGatherPositions(x),
            RecordTokensOp x => VisitRecordTokens(x),
            AdvancePositionsOp x => VisitAdvancePositions(x),
            GlobalPoolOp x => VisitGlobalPool(x),
            GlobalPoolBackwardOp x => VisitGlobalPoolBackward(x),
            _ => throw new NotSupportedException(GetType().Name + " does not know " + op.GetType().Name + "."),
        };

        protected abstract T VisitLoop(LoopOp op);
        protected abstract T VisitMatMul(MatMulOp op);
        protected abstract T VisitGatherRows(GatherRowsOp op);
        protected abstract T VisitScatterAddRows(ScatterAddRowsOp op);
        protected abstract T VisitColumnSums(ColumnSumsOp op);
        protected abstract T VisitPointwise(PointwiseOp op);
        protected abstract T VisitSoftmaxCrossEntropy(SoftmaxCrossEntropyOp op);
        protected abstract T VisitSoftmax(SoftmaxOp op);
        protected abstract T VisitDropoutMask(DropoutMaskOp op);
        protected abstract T VisitTokenMask(TokenMaskOp op);
        protected abstract T VisitZero(ZeroOp op);
        protected abstract T VisitCopy(CopyOp op);
        protected abstract T VisitAttention(AttentionOp op);
        protected abstract T VisitAttentionBackward(AttentionBackwardOp op);
        protected abstract T VisitCachedAttention(CachedAttentionOp op);
        protected abstract T VisitLayerNorm(LayerNormOp op);
        protected abstract T VisitLayerNormBackward(LayerNormBackwardOp op);
        protected abstract T VisitGatherPositions(GatherPositionsOp op);
        protected abstract T VisitRecordTokens(RecordTokensOp op);
        protected abstract T VisitAdvancePositions(AdvancePositionsOp op);
        protected abstract T VisitGlobalPool(GlobalPoolOp op);
        protected abstract T VisitGlobalPoolBackward(GlobalPoolBackwardOp op);
    }
}
