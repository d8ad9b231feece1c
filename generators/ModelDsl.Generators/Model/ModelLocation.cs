using Microsoft.CodeAnalysis.Text;

namespace ModelDsl.Generators.Model
{
    /// <summary>Where a model's class name is written, as plain data, keyed by the model's <see cref="ModelDeclaration.QualifiedName"/>.</summary>
    internal sealed record ModelLocation(string QualifiedName, string? FilePath, TextSpan Span, LinePositionSpan LineSpan);
}
