using ModelDsl.Generators.Helpers;
using ModelDsl.Ir;

namespace ModelDsl.Generators.Emit
{
    /// <summary>Renders a lowered program as ILGPU kernels (shapes baked in as constants).</summary>
    internal static class GpuRenderer
    {
        public static void RenderFactory(IndentedTextWriter w, ProgramKind[] kinds)
        {
        }

        public static void Render(IndentedTextWriter w, IrProgram program)
        {
        }
    }
}
