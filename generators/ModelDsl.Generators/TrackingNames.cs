namespace ModelDsl.Generators
{
    /// <summary>Names of the tracked incremental steps, so tests can assert that each one is cached.</summary>
    internal static class TrackingNames
    {
        /// <summary>Each <c>[Model]</c> class read into a model and its diagnostics.</summary>
        public const string ParsedModels = "ModelDsl.ParsedModels";

        /// <summary>The diagnostics of each <c>[Model]</c> class, reported from their own output.</summary>
        public const string ModelDiagnostics = "ModelDsl.ModelDiagnostics";

        /// <summary>The models without errors, the ones the emitter writes.</summary>
        public const string ValidModels = "ModelDsl.ValidModels";

        /// <summary>Whether the compilation allows unsafe code (the generated programs need it).</summary>
        public const string AllowsUnsafe = "ModelDsl.AllowsUnsafe";
    }
}
