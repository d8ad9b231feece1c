namespace ModelDsl.Generators.Model
{
    /// <summary>
    /// One <c>[Model]</c> declaration as read: the model (null when there is any error), its diagnostics, and where its name
    /// is written, so that a failure found later, when its code is written, is reported on the declaration too.
    /// </summary>
    internal sealed record ParsedModel(ModelDeclaration? Model, EquatableArray<DiagnosticInfo> Diagnostics, ModelLocation? Location);
}
