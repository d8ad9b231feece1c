using System;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelDsl.Generators.Diagnostics;

namespace ModelDsl.Generators.Model
{
    /// <summary>
    /// A diagnostic as plain, equatable data (descriptor id, file, span, message arguments), so it can travel through
    /// cached pipeline steps; <see cref="ToDiagnostic"/> turns it back into a Roslyn diagnostic when it is reported.
    /// </summary>
    internal sealed record DiagnosticInfo(
        string DescriptorId,
        string? FilePath,
        TextSpan Span,
        LinePositionSpan LineSpan,
        EquatableArray<string> Arguments)
    {
        /// <summary>Captures <paramref name="location"/> (null or not in source: no location) and formats the arguments invariantly.</summary>
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params object?[] arguments)
        {
            var texts = new string[arguments.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                texts[i] = arguments[i] switch
                {
                    null => "",
                    IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                    var other => other.ToString() ?? "",
                };
            }

            if (location is null || !location.IsInSource)
            {
                return new DiagnosticInfo(descriptor.Id, null, default, default, new EquatableArray<string>(texts));
            }

            var lineSpan = location.GetLineSpan();
            return new DiagnosticInfo(descriptor.Id, lineSpan.Path, location.SourceSpan, lineSpan.Span, new EquatableArray<string>(texts));
        }

        /// <summary>This diagnostic at <paramref name="location"/> (a failure found without syntax at hand, placed on its model).</summary>
        public DiagnosticInfo At(ModelLocation location) =>
            this with { FilePath = location.FilePath, Span = location.Span, LineSpan = location.LineSpan };

        public Diagnostic ToDiagnostic()
        {
            var location = FilePath is null ? Location.None : Location.Create(FilePath, Span, LineSpan);
            var arguments = new object[Arguments.Count];
            for (var i = 0; i < arguments.Length; i++)
            {
                arguments[i] = Arguments[i];
            }

            return Diagnostic.Create(DiagnosticDescriptors.ById(DescriptorId), location, arguments);
        }
    }
}
