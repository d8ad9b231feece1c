using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Model;
using ModelDsl.Ir;

namespace ModelDsl.Generators.Shapes
{
    /// <summary>
    /// Checks a declared layer list at compile time: the model's structure (one TokenInput, first; one Dense, last), then
    /// the shape flow and the sizes, which the layers' homes state (<see cref="ShapeFlow"/>, <see cref="LayerDefinition"/>):
    /// this class only places their problems on the attributes. A pure function of its input.
    /// </summary>
    internal static class ShapeChecker
    {
        private const int MaxElements = int.MaxValue;

        /// <summary>
        /// One layer attribute as read, and where it is written. <see cref="UnitsIsVocabularySymbol"/>: a Dense's units were
        /// written as <c>Dim.Vocabulary</c>, which a TokenInput with a fixed vocabulary then binds.
        /// </summary>
        public sealed record LayerSite(LayerSpec Layer, Location? Location, bool UnitsIsVocabularySymbol = false);

        public static ImmutableArray<DiagnosticInfo> Check(string modelName, Location? classLocation, IReadOnlyList<LayerSite> layers)
        {
            var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
            if (layers.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, classLocation, modelName));
                return diagnostics.ToImmutable();
            }

            var specs = new List<LayerSpec>(layers.Count);
            foreach (var site in layers)
            {
                specs.Add(site.Layer);
            }

            var orderIsValid = CheckInputPosition(modelName, classLocation, layers, diagnostics);
            ShapeFlow? flow = null;
            if (orderIsValid)
            {
                flow = ShapeFlow.Compute(specs);
                Report(flow.Problems, layers, diagnostics);
            }

            var last = layers[layers.Count - 1];
            if (last.Layer.Kind != LayerKind.Dense)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LastLayerNotDense, last.Location, Name(last.Layer.Kind)));
            }

            // Hidden Dense layers (with an activation between them) are not lowered yet: only the output layer may be Dense.
            for (var i = 0; i < layers.Count - 1; i++)
            {
                if (layers[i].Layer.Kind == LayerKind.Dense)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DenseNotLast, layers[i].Location));
                }
            }

            // Sizes are only meaningful once every argument and the order are right.
            if (diagnostics.Count == 0 && flow is not null)
            {
                Report(ShapeFlow.CheckSizes(specs, flow, out var parameters, out var hasSymbolicWeights), layers, diagnostics);
                if (parameters > MaxElements)
                {
                    var note = hasSymbolicWeights ? " without the weights that grow with the vocabulary" : "";
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooManyParameters, classLocation, modelName, Format(parameters), note));
                }
            }

            return diagnostics.ToImmutable();
        }

        /// <summary>The trainable parameters of a layer as Keras counts them over an input of <paramref name="inputWidth"/> features.</summary>
        public static decimal ParameterCount(LayerSpec layer, int inputWidth) =>
            LayerDefinition.For(layer.Kind).ParameterCount(layer, TensorShape.Sequence(0, inputWidth));

        /// <summary>Places the layers' problems on their attributes.</summary>
        public static void Report(IReadOnlyList<LayerProblem> problems, IReadOnlyList<LayerSite> layers, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
        {
            foreach (var problem in problems)
            {
                var arguments = new object?[problem.Arguments.Count];
                for (var i = 0; i < arguments.Length; i++)
                {
                    arguments[i] = problem.Arguments[i];
                }

                diagnostics.Add(DiagnosticInfo.Create(ProblemDiagnostics.For(problem.Code), layers[problem.Layer].Location, arguments));
            }
        }

        /// <returns>Whether the list starts with its only TokenInput, so the shape flow can be followed.</returns>
        private static bool CheckInputPosition(string modelName, Location? classLocation, IReadOnlyList<LayerSite> layers, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
        {
            var seenInput = false;
            var valid = true;
            for (var i = 0; i < layers.Count; i++)
            {
                if (layers[i].Layer.Kind != LayerKind.TokenInput)
                {
                    continue;
                }

                if (seenInput)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateTokenInput, layers[i].Location));
                    valid = false;
                }
                else if (i > 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TokenInputNotFirst, layers[i].Location, Name(layers[i - 1].Layer.Kind)));
                    valid = false;
                }

                seenInput = true;
            }

            if (!seenInput)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingTokenInput, classLocation, modelName));
                valid = false;
            }

            return valid;
        }

        private static string Format(decimal value) => value.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture);

        private static string Name(LayerKind kind) => LayerDefinition.For(kind).Name;
    }
}
