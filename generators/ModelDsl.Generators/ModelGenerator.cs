using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Emit;
using ModelDsl.Generators.Helpers;
using ModelDsl.Generators.Model;

namespace ModelDsl.Generators
{
    /// <summary>
    /// Generates the forward/backward code of every <c>[Model]</c> partial class. Parse (symbols → equatable model and
    /// diagnostics) lives in <c>ModelGenerator.Parse.cs</c>; the text is written by <see cref="ModelSourceEmitter"/>.
    /// Each model is read and written on its own: whatever goes wrong with one becomes a diagnostic on it, and the others
    /// keep their code and their diagnostics.
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

            // Kept apart from the models: a location changes with every edit above the class, the model does not.
            var locations = parsed
                .Where(static result => result.Location is not null)
                .Select(static (result, _) => result.Location!)
                .Collect()
                .WithTrackingName(TrackingNames.ModelLocations);

            // Hint names are compared ignoring case, and every model's file must have its own.
            var caseClashes = models
                .Select(static (model, _) => model.QualifiedName)
                .Collect()
                .Select(static (names, _) => new EquatableArray<string>(SourceNames.CaseClashes(names)))
                .WithTrackingName(TrackingNames.CaseClashes);

            // Generated programs work on raw pointers into buffers allocated once; without unsafe code they cannot compile.
            var allowsUnsafe = context.CompilationProvider
                .Select(static (compilation, _) => compilation.Options is Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions { AllowUnsafe: true })
                .WithTrackingName(TrackingNames.AllowsUnsafe);

            var emitted = models
                .Combine(caseClashes)
                .Combine(allowsUnsafe)
                .Select(static (input, _) => Emit(input.Left.Left, input.Left.Right, input.Right, ModelSourceEmitter.Emit))
                .WithTrackingName(TrackingNames.EmittedModels);

            context.RegisterSourceOutput(emitted, static (output, model) =>
            {
                if (model.Source is not null)
                {
                    output.AddSource(model.HintName, model.Source);
                }
            });

            var failures = emitted
                .Where(static model => model.Failure is not null)
                .Collect()
                .Combine(locations);
            context.RegisterSourceOutput(failures, static (output, pair) =>
            {
                foreach (var info in LocateFailures(pair.Left, pair.Right))
                {
                    output.ReportDiagnostic(info.ToDiagnostic());
                }
            });
        }

        /// <summary>
        /// Writes one model's file with <paramref name="emit"/>. Never throws except for cancellation: an unexpected exception
        /// becomes MDSL9999 for this model alone (the others are written by their own calls).
        /// </summary>
        internal static EmittedModel Emit(ModelDeclaration model, EquatableArray<string> caseClashes, bool unsafeAllowed, Func<ModelDeclaration, string> emit)
        {
            var hintName = SourceNames.HintName(model.QualifiedName, caseClashes);
            if (!unsafeAllowed)
            {
                return new EmittedModel(model.QualifiedName, hintName, null, DiagnosticInfo.Create(DiagnosticDescriptors.UnsafeCodeRequired, null, model.ClassName));
            }

            try
            {
                return new EmittedModel(model.QualifiedName, hintName, emit(model), null);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // An emitter bug must cost only this model its code, and say which model it was.
                return new EmittedModel(model.QualifiedName, hintName, null, DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null, model.ClassName, Describe(exception)));
            }
        }

        /// <summary>The failures of <see cref="Emit"/>, each placed on its model's declaration.</summary>
        internal static IEnumerable<DiagnosticInfo> LocateFailures(ImmutableArray<EmittedModel> failed, ImmutableArray<ModelLocation> locations)
        {
            var byName = new Dictionary<string, ModelLocation>(StringComparer.Ordinal);
            foreach (var location in locations)
            {
                byName[location.QualifiedName] = location;
            }

            foreach (var model in failed)
            {
                if (model.Failure is { } failure)
                {
                    yield return byName.TryGetValue(model.QualifiedName, out var location) ? failure.At(location) : failure;
                }
            }
        }
    }
}
