#nullable enable
namespace ModelDsl.Ir
{
    /// <summary>
    /// An IR pass: which products multiply by the same weights at every step of a time loop (h·U, dz·Uᵀ), so that a renderer
    /// may pack those weights once per forward or backward pass instead of once per step (the CPU renderer does, through
    /// <c>GemmPackCache</c>). Never a gradient operand: those change within the pass.
    /// </summary>
    public static class PackCaching
    {
        public static bool PacksOnce(MatMulOp product, bool insideLoop) =>
            insideLoop && product.B.Buffer.Kind == BufferKind.Parameters && product.B.TimeStride == Size.Zero;
    }
}
