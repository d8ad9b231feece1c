using ModelDsl.Ir;

namespace ModelDsl.Generators.Model
{
    /// <summary>
    /// A model class as the generator understands it: plain, equatable data only, so the pipeline can cache it
    /// (no symbols, syntax or locations). Names are as declared, without the '@' of an escaped keyword: the emitter escapes them.
    /// </summary>
    /// <param name="Namespace">The containing namespace, e.g. <c>Demo.event</c>; <see langword="null"/> for the global namespace.</param>
    /// <param name="ClassName">The class name, e.g. <c>CharLstm</c> or <c>class</c>.</param>
    /// <param name="Accessibility"><c>"public"</c> or <c>"internal"</c>.</param>
    /// <param name="Layers">The layers in declaration order, input first; a <see cref="SymbolicSize.Vocabulary"/> size is bound when the model is created.</param>
    /// <param name="ShortNames">Whether the generated code may use short aliases (<c>Vector512</c>, <c>Gemm</c>): no type of the model's namespace and no member of the class has their names.</param>
    internal sealed record ModelDeclaration(
        string? Namespace,
        string ClassName,
        string Accessibility,
        EquatableArray<LayerSpec> Layers,
        bool ShortNames = false)
    {
        /// <summary>The full name, unescaped (<c>Demo.event.Tiny</c>): the model's identity in file names and diagnostics.</summary>
        public string QualifiedName => Namespace is null ? ClassName : Namespace + "." + ClassName;

        /// <summary>The shared IR's view of this model (what the lowering and the runtime consume).</summary>
        public ModelSpec ToSpec() => new(ClassName, Layers.AsImmutableArray());
    }
}
