using ModelDsl.Ir;

namespace ModelDsl.Generators.Model
{
    /// <summary>
    /// A model class as the generator understands it: plain, equatable data only, so the pipeline can cache it
    /// (no symbols, syntax or locations). Names are as declared (not escaped); <see cref="HintName"/> is unique per class.
    /// </summary>
    /// <param name="Namespace">The containing namespace, e.g. <c>Demo</c>; <see langword="null"/> for the global namespace.</param>
    /// <param name="ClassName">The class name, e.g. <c>CharLstm</c>.</param>
    /// <param name="Accessibility"><c>"public"</c> or <c>"internal"</c>.</param>
    /// <param name="Layers">The layers in declaration order, input first; a <see cref="SymbolicSize.Vocabulary"/> size is bound when the model is created.</param>
    /// <param name="HintName">The generated file's name, e.g. <c>Demo.CharLstm.g.cs</c>.</param>
    internal sealed record ModelDeclaration(
        string? Namespace,
        string ClassName,
        string Accessibility,
        EquatableArray<LayerSpec> Layers,
        string HintName)
    {
        /// <summary>The shared IR's view of this model (what the lowering and the runtime consume).</summary>
        public ModelSpec ToSpec() => new(ClassName, Layers.AsImmutableArray());
    }
}
