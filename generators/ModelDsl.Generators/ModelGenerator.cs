using System;
using Microsoft.CodeAnalysis;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Emit;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators
{
    /// <summary>
    /// Generates the forward/backward code of every <c>[Model]</c> partial class. Parse (symbols → equatable model and
    /// diagnostics) lives in <c>ModelGenerator.Parse.cs</c>; the text is written by <see cref="ModelSourceEmitter"/>.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed partial class ModelGenerator : IIncrementalGenerator
    {
        internal const string ModelAttributeMetadataName = "ModelDsl.ModelAttribute";

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    ModelAttributeMetadataName,
                    static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                    static (attributeContext, cancellationToken) => Parse(attributeContext, cancellationToken))
                .WithTrackingName(TrackingNames.ParsedModels);

            // Diagnostics have their own output, so the source output never depends on them (and vice versa).
            var diagnostics = parsed
                .Select(static (result, _) => result.Diagnostics)
                .WithTrackingName(TrackingNames.ModelDiagnostics);
            context.RegisterSourceOutput(diagnostics, static (output, diagnosticInfos) =>
            {
                foreach (var info in diagnosticInfos)
                {
                    output.ReportDiagnostic(info.ToDiagnostic());
                }
            });

            var models = parsed
                .Where(static result => result.Model is not null)
                .Select(static (result, _) => result.Model!)
                .WithTrackingName(TrackingNames.ValidModels);

            // Generated programs work on raw pointers into buffers allocated once; without unsafe code they cannot compile.
            var allowsUnsafe = context.CompilationProvider
                .Select(static (compilation, _) => compilation.Options is Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions { AllowUnsafe: true })
                .WithTrackingName(TrackingNames.AllowsUnsafe);

            context.RegisterSourceOutput(models.Combine(allowsUnsafe), static (output, pair) =>
            {
                var (model, unsafeAllowed) = pair;
                if (!unsafeAllowed)
                {
                    output.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.UnsafeCodeRequired, null, model.ClassName).ToDiagnostic());
                    return;
                }

                string source;
                try
                {
                    source = ModelSourceEmitter.Emit(model);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // An emitter bug must not surface as CS8785 with no hint of which model caused it.
                    output.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, model.ClassName, Describe(exception)).ToDiagnostic());
                    return;
                }

                output.AddSource(model.HintName, source);
            });
        }
    }
}
