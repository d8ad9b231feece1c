using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Model;
using ModelDsl.Generators.Shapes;
using ModelDsl.Ir;

namespace ModelDsl.Generators
{
    public sealed partial class ModelGenerator
    {
        private const string LayerAttributeMetadataName = "ModelDsl.LayerAttribute";
        private const string DimMetadataName = "ModelDsl.Dim";

        /// <summary>
        /// Reads one <c>[Model]</c> type into a <see cref="ModelDeclaration"/> (null when there is any error), its diagnostics and
        /// where its name is. Never throws except for cancellation: an unexpected exception becomes MDSL9999.
        /// </summary>
        internal static ParsedModel Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var location = context.TargetNode is BaseTypeDeclarationSyntax type ? type.Identifier.GetLocation() : context.TargetNode.GetLocation();
            var (model, diagnostics) = Guard(context.TargetSymbol.Name, location, () => ParseModel(context, cancellationToken));
            if (model is null)
            {
                return new ParsedModel(null, diagnostics, null);
            }

            var lineSpan = location.GetLineSpan();
            return new ParsedModel(model, diagnostics, new ModelLocation(model.QualifiedName, lineSpan.Path, location.SourceSpan, lineSpan.Span));
        }

        /// <summary>Runs <paramref name="parse"/>, turning any exception other than cancellation into MDSL9999 at <paramref name="location"/>.</summary>
        internal static (ModelDeclaration? Model, EquatableArray<DiagnosticInfo> Diagnostics) Guard(
            string className, Location? location, Func<(ModelDeclaration? Model, EquatableArray<DiagnosticInfo> Diagnostics)> parse)
        {
            try
            {
                return parse();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                var info = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, className, Describe(exception));
                return (null, new EquatableArray<DiagnosticInfo>(ImmutableArray.Create(info)));
            }
        }

        private static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message;

        private static (ModelDeclaration? Model, EquatableArray<DiagnosticInfo> Diagnostics) ParseModel(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var none = (default(ModelDeclaration), EquatableArray<DiagnosticInfo>.Empty);
            if (context.TargetSymbol is not INamedTypeSymbol symbol
                || context.TargetNode is not TypeDeclarationSyntax declaration
                || symbol.TypeKind != TypeKind.Class)
            {
                // [Model] on a struct or interface: the compiler already reports CS0592.
                return none;
            }

            if (CountModelAttributes(symbol) > 1)
            {
                // [Model] twice (CS0579): this transform would run once per declaration and emit the same file twice.
                return none;
            }

            var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
            var classLocation = declaration.Identifier.GetLocation();
            CheckClass(symbol, declaration, classLocation, diagnostics);
            var @namespace = NamespaceOf(symbol);
            CheckName(symbol, @namespace, context.SemanticModel.Compilation, classLocation, diagnostics);

            var (layers, bindingFailed) = ReadLayers(symbol, declaration, context.SemanticModel, diagnostics, cancellationToken);
            if (bindingFailed)
            {
                // A layer attribute the compiler could not bind (already an error): checking the order would only add noise.
                return (null, diagnostics.ToImmutable());
            }

            layers = ResolveOutputVocabulary(layers);
            diagnostics.AddRange(ShapeChecker.Check(symbol.Name, classLocation, layers));
            if (diagnostics.Count > 0)
            {
                return (null, diagnostics.ToImmutable());
            }

            var specs = ImmutableArray.CreateBuilder<LayerSpec>(layers.Count);
            foreach (var layer in layers)
            {
                specs.Add(layer.Layer);
            }

            var model = new ModelDeclaration(
                @namespace,
                symbol.Name,
                symbol.DeclaredAccessibility == Accessibility.Public ? "public" : "internal",
                specs.MoveToImmutable(),
                ShortNamesAreFree(symbol));
            return (model, EquatableArray<DiagnosticInfo>.Empty);
        }

        /// <summary>
        /// Whether the generated file may declare its short aliases (<see cref="ModelDsl.Generators.Emit.GeneratedAliases"/>): a type of the
        /// same name in the model's namespace would clash with the alias (CS0576), and a member of the class would hide it.
        /// </summary>
        private static bool ShortNamesAreFree(INamedTypeSymbol symbol)
        {
            foreach (var name in ModelDsl.Generators.Emit.GeneratedAliases.Names)
            {
                if (symbol.ContainingNamespace.GetTypeMembers(name).Length > 0 || symbol.GetMembers(name).Length > 0)
                {
                    return false;
                }

                for (var type = symbol.BaseType; type is not null; type = type.BaseType)
                {
                    if (type.GetMembers(name).Length > 0)
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        /// <summary>The containing namespace as declared, parts unescaped (<c>Demo.event</c>); null for the global namespace.</summary>
        private static string? NamespaceOf(INamedTypeSymbol symbol)
        {
            var parts = new List<string>();
            for (var ns = symbol.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            {
                parts.Add(ns.Name);
            }

            parts.Reverse();
            return parts.Count == 0 ? null : string.Join(".", parts);
        }

        /// <summary>Members the generated code declares in the model class (its nested program classes are renamed instead).</summary>
        private static readonly string[] GeneratedMemberNames = { "Architecture", "CreateCpuProgram", "CreateGpuProgram" };

        /// <summary>The root namespaces of the types that generated code names (always as <c>global::…</c>).</summary>
        private static readonly string[] ReferencedRootNamespaces = { "System", "ModelDsl", "ILGPU" };

        /// <summary>MDSL0027 and MDSL0028: names that no generated code could compile with.</summary>
        private static void CheckName(INamedTypeSymbol symbol, string? @namespace, Compilation compilation, Location location, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
        {
            if (Array.IndexOf(GeneratedMemberNames, symbol.Name) >= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNameTakenByGeneratedCode, location, symbol.Name,
                    "for a member of the class, and a member cannot be named like its class"));
            }
            else if (symbol.Name == "var")
            {
                // Inside the class, 'var x = …' would declare x of this type instead of inferring it.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNameTakenByGeneratedCode, location, symbol.Name,
                    "for its implicitly typed locals, which a type named 'var' in scope would replace"));
            }

            if (symbol.Arity != 0)
            {
                return;
            }

            // A class 'System' in the global namespace hides the namespace System just as 'System.Math' hides the type.
            var metadataName = @namespace is null ? symbol.Name : @namespace + "." + symbol.Name;
            var dot = metadataName.IndexOf('.');
            if (Array.IndexOf(ReferencedRootNamespaces, dot < 0 ? metadataName : metadataName.Substring(0, dot)) < 0)
            {
                return;
            }

            // A source type wins over a referenced type or namespace of the same full name (CS0436, CS0437 are only warnings),
            // so 'global::System.Math' or 'global::ModelDsl.Runtime.CpuProgram' in generated code would name this class.
            foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
            {
                if (assembly.GetTypeByMetadataName(metadataName) is { DeclaredAccessibility: Accessibility.Public } || HasNamespace(assembly, metadataName))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassHidesReferencedType, location, metadataName, assembly.Name));
                    return;
                }
            }
        }

        private static bool HasNamespace(IAssemblySymbol assembly, string dottedName)
        {
            INamespaceSymbol? current = assembly.GlobalNamespace;
            foreach (var part in dottedName.Split('.'))
            {
                INamespaceSymbol? next = null;
                foreach (var member in current.GetNamespaceMembers())
                {
                    if (member.Name == part)
                    {
                        next = member;
                        break;
                    }
                }

                if (next is null)
                {
                    return false;
                }

                current = next;
            }

            return true;
        }

        private static int CountModelAttributes(INamedTypeSymbol symbol)
        {
            var count = 0;
            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == ModelAttributeMetadataName)
                {
                    count++;
                }
            }

            return count;
        }

        private static void CheckClass(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration, Location location, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
        {
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassMustBePartial, location, symbol.Name));
            }

            var problems = new List<string>();
            if (symbol.ContainingType is not null)
            {
                problems.Add("nested in '" + symbol.ContainingType.Name + "'");
            }

            if (symbol.IsGenericType)
            {
                problems.Add("generic");
            }

            if (symbol.IsStatic)
            {
                problems.Add("static");
            }
            else if (symbol.IsAbstract)
            {
                problems.Add("abstract");
            }

            if (symbol.IsRecord)
            {
                problems.Add("a record");
            }

            if (symbol.IsFileLocal)
            {
                problems.Add("file-local");
            }

            if (problems.Count > 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidModelClass, location, symbol.Name, JoinWithAnd(problems)));
            }
        }

        private static string JoinWithAnd(List<string> parts) =>
            parts.Count == 1 ? parts[0] : string.Join(", ", parts.GetRange(0, parts.Count - 1)) + " and " + parts[parts.Count - 1];

        /// <returns>The layer attributes in source order, and whether one of them failed to bind (a compiler error).</returns>
        private static (List<ShapeChecker.LayerSite> Layers, bool BindingFailed) ReadLayers(
            INamedTypeSymbol symbol,
            TypeDeclarationSyntax declaration,
            SemanticModel semanticModel,
            ImmutableArray<DiagnosticInfo>.Builder diagnostics,
            CancellationToken cancellationToken)
        {
            var found = new List<(int Position, ShapeChecker.LayerSite Site)>();
            var bindingFailed = false;
            foreach (var attribute in symbol.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (attribute.AttributeClass is not { } attributeClass || !DerivesFrom(attributeClass, LayerAttributeMetadataName))
                {
                    continue;
                }

                if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
                {
                    continue;
                }

                if (syntax.SyntaxTree != declaration.SyntaxTree || !declaration.Span.Contains(syntax.Span))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerOnOtherDeclaration, syntax.GetLocation(), LayerName(attributeClass), symbol.Name));
                    continue;
                }

                if (attribute.AttributeConstructor is not { } constructor || attributeClass.TypeKind == TypeKind.Error || attribute.ConstructorArguments.Length != constructor.Parameters.Length)
                {
                    bindingFailed = true;
                    continue;
                }

                var site = ReadLayer(attribute, constructor, syntax, semanticModel, diagnostics, cancellationToken);
                if (site is not null)
                {
                    found.Add((syntax.SpanStart, site));
                }
            }

            found.Sort(static (left, right) => left.Position.CompareTo(right.Position));
            var layers = new List<ShapeChecker.LayerSite>(found.Count);
            Location? pendingBidirectional = null;
            foreach (var (_, site) in found)
            {
                if (site.Layer.Kind == BidirectionalMarker)
                {
                    if (pendingBidirectional is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BidirectionalNeedsRecurrent, pendingBidirectional, "Bidirectional"));
                    }

                    pendingBidirectional = site.Location;
                    continue;
                }

                if (pendingBidirectional is not null)
                {
                    if (LayerKinds.IsRecurrent(site.Layer.Kind))
                    {
                        // [Bidirectional] wraps the recurrent layer that follows it.
                        layers.Add(site with { Layer = site.Layer with { Bidirectional = true } });
                        pendingBidirectional = null;
                        continue;
                    }

                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BidirectionalNeedsRecurrent, pendingBidirectional, LayerName(site.Layer.Kind)));
                    pendingBidirectional = null;
                }

                layers.Add(site);
            }

            if (pendingBidirectional is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BidirectionalNeedsRecurrent, pendingBidirectional, "nothing"));
            }

            return (layers, bindingFailed);
        }

        private static ShapeChecker.LayerSite? ReadLayer(
            AttributeData attribute,
            IMethodSymbol constructor,
            AttributeSyntax syntax,
            SemanticModel semanticModel,
            ImmutableArray<DiagnosticInfo>.Builder diagnostics,
            CancellationToken cancellationToken)
        {
            var location = syntax.GetLocation();
            var name = attribute.AttributeClass!.ToDisplayString();
            if (name == "ModelDsl.BidirectionalAttribute")
            {
                return new ShapeChecker.LayerSite(new LayerSpec(BidirectionalMarker), location);
            }

            var definition = LayerDefinition.ForAttribute(name);
            if (definition is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayer, location, attribute.AttributeClass.Name));
                return null;
            }

            // The layer's home reads and checks its own arguments; its problems land on this attribute.
            var arguments = new ArgumentReader(attribute, constructor, syntax, semanticModel, cancellationToken);
            var layer = definition.Read(arguments);
            var problems = new ProblemSink();
            definition.CheckArguments(layer, arguments, problems);
            foreach (var problem in problems.Problems)
            {
                var values = new object?[problem.Arguments.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = problem.Arguments[i];
                }

                diagnostics.Add(DiagnosticInfo.Create(ProblemDiagnostics.For(problem.Code), location, values));
            }

            return new ShapeChecker.LayerSite(layer, location, arguments.WrittenAsVocabulary("units"));
        }

        /// <summary>
        /// Dim.Vocabulary in a Dense layer means "the input's vocabulary": when the TokenInput fixes it to a number, the
        /// Dense layer gets that number (no diagnostic; see docs/diagnostics.md).
        /// </summary>
        private static List<ShapeChecker.LayerSite> ResolveOutputVocabulary(List<ShapeChecker.LayerSite> layers)
        {
            if (layers.Count == 0 || layers[0].Layer is not { Kind: LayerKind.TokenInput, Size: > 0 } input)
            {
                return layers;
            }

            var resolved = new List<ShapeChecker.LayerSite>(layers.Count);
            foreach (var site in layers)
            {
                resolved.Add(site is { Layer.Kind: LayerKind.Dense, UnitsIsVocabularySymbol: true }
                    ? site with { Layer = site.Layer with { Size = input.Size } }
                    : site);
            }

            return resolved;
        }

        private static bool DerivesFrom(INamedTypeSymbol type, string metadataName)
        {
            for (var current = type.BaseType; current is not null; current = current.BaseType)
            {
                if (current.ToDisplayString() == metadataName)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A parse-time stand-in for [Bidirectional]; merged into the following recurrent layer before shape checks.</summary>
        private const LayerKind BidirectionalMarker = (LayerKind)1000;

        private static string LayerName(LayerKind kind) => LayerDefinition.For(kind).Name;

        private static string LayerName(INamedTypeSymbol attributeClass)
        {
            const string suffix = "Attribute";
            var name = attributeClass.Name;
            return name.EndsWith(suffix, StringComparison.Ordinal) ? name.Substring(0, name.Length - suffix.Length) : name;
        }

        /// <summary>Reads a layer attribute's constructor arguments by parameter name, and whether one was written as Dim.Vocabulary.</summary>
        private readonly struct ArgumentReader : ILayerArguments
        {
            private readonly AttributeData attribute;
            private readonly IMethodSymbol constructor;
            private readonly AttributeSyntax syntax;
            private readonly SemanticModel semanticModel;
            private readonly CancellationToken cancellationToken;

            public ArgumentReader(AttributeData attribute, IMethodSymbol constructor, AttributeSyntax syntax, SemanticModel semanticModel, CancellationToken cancellationToken)
            {
                this.attribute = attribute;
                this.constructor = constructor;
                this.syntax = syntax;
                this.semanticModel = semanticModel;
                this.cancellationToken = cancellationToken;
            }

            public int Int(string parameter) => Value(parameter) is int value ? value : 0;

            public bool Bool(string parameter) => Value(parameter) is bool value && value;

            public double Double(string parameter) => Value(parameter) switch
            {
                double value => value,
                float value => value,
                int value => value,
                _ => double.NaN,
            };

            public bool WrittenAsVocabulary(string parameter, bool whenOmitted = false)
            {
                var expression = ArgumentExpression(parameter);
                if (expression is null)
                {
                    return whenOmitted;
                }

                while (expression is ParenthesizedExpressionSyntax parenthesized)
                {
                    expression = parenthesized.Expression;
                }

                return semanticModel.GetSymbolInfo(expression, cancellationToken).Symbol is IFieldSymbol { Name: "Vocabulary" } field
                    && field.ContainingType?.ToDisplayString() == DimMetadataName;
            }

            private object? Value(string parameter)
            {
                var index = IndexOf(parameter);
                return index < 0 ? null : attribute.ConstructorArguments[index].Value;
            }

            private int IndexOf(string parameter)
            {
                for (var i = 0; i < constructor.Parameters.Length; i++)
                {
                    if (constructor.Parameters[i].Name == parameter)
                    {
                        return i;
                    }
                }

                return -1;
            }

            private ExpressionSyntax? ArgumentExpression(string parameter)
            {
                var index = IndexOf(parameter);
                if (index < 0 || syntax.ArgumentList is null)
                {
                    return null;
                }

                var arguments = syntax.ArgumentList.Arguments;
                for (var i = 0; i < arguments.Count; i++)
                {
                    var argument = arguments[i];
                    if (argument.NameColon is { } nameColon)
                    {
                        if (nameColon.Name.Identifier.ValueText == parameter)
                        {
                            return argument.Expression;
                        }
                    }
                    else if (argument.NameEquals is null && i == index)
                    {
                        return argument.Expression;
                    }
                }

                return null;
            }
        }
    }
}
