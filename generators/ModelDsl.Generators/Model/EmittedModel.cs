namespace ModelDsl.Generators.Model
{
    /// <summary>
    /// A model's generated file, or why there is none: <see cref="Failure"/> is a diagnostic without a location, placed on the
    /// model's declaration when it is reported (see <see cref="ModelLocation"/>).
    /// </summary>
    internal sealed record EmittedModel(string QualifiedName, string HintName, string? Source, DiagnosticInfo? Failure);
}
