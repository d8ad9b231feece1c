namespace ModelDsl.Generators
{
    /// <summary>Names of the tracked incremental steps, so tests can assert that each one is cached.</summary>
    internal static class TrackingNames
    {
        /// <summary>Each <c>[Model]</c> class read into a model, its diagnostics and where it is declared.</summary>
        public const string ParsedModels = "ModelDsl.ParsedModels";

        /// <summary>The diagnostics of each <c>[Model]</c> class, reported from their own output.</summary>
        public const string ModelDiagnostics = "ModelDsl.ModelDiagnostics";

        /// <summary>The models without errors, the ones the emitter writes.</summary>
        public const string ValidModels = "ModelDsl.ValidModels";

        /// <summary>Where each model without errors is declared, for the failures found while writing its code.</summary>
        public const string ModelLocations = "ModelDsl.ModelLocations";

        /// <summary>The full names that equal another model's but for case (their files need distinct hint names).</summary>
        public const string CaseClashes = "ModelDsl.CaseClashes";

        /// <summary>Whether the compilation allows unsafe code (the generated programs need it).</summary>
        public const string AllowsUnsafe = "ModelDsl.AllowsUnsafe";

        /// <summary>Each model's generated file, or the diagnostic that replaces it.</summary>
        public const string EmittedModels = "ModelDsl.EmittedModels";
    }
}
