using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using ModelDsl.Generators.Diagnostics;
using ModelDsl.Generators.Model;
using ModelDsl.Ir;

namespace ModelDsl.Generators.Shapes
{
    /// <summary>
    /// Checks a declared layer list at compile time: sizes, layer order, the sequence/vector flow from TokenInput to the
    /// final Dense, the parameter count and the activation sizes. A pure function of its input.
    /// </summary>
    /// <remarks>
    /// Data flow: TokenInput gives token ids [T]; Embedding(d) turns ids into a sequence [T, d]; a recurrent layer right
    /// after TokenInput reads one-hot vectors [T, V]; Lstm(u) gives [T, u] with returnSequences, else a vector [u];
    /// Dropout keeps the shape; Dense(u) needs a vector and gives [u]. A symbolic vocabulary counts as 0 in the
    /// parameter and activation checks (only the fixed part is known at compile time).
    /// </remarks>
    internal static class ShapeChecker
    {
        private const int MaxElements = int.MaxValue;

        /// <summary>
        /// One layer attribute as written. <see cref="SizeIsVocabularySymbol"/> / <see cref="LengthIsVocabularySymbol"/>
        /// say whether that argument was <c>Dim.Vocabulary</c> (or TokenInput's vocabulary left at its default), which
        /// tells the symbol apart from a literal -1.
        /// </summary>
        public sealed record LayerSite(LayerSpec Layer, Location? Location, bool SizeIsVocabularySymbol = false, bool LengthIsVocabularySymbol = false);

        public static ImmutableArray<DiagnosticInfo> Check(string modelName, Location? classLocation, IReadOnlyList<LayerSite> layers)
        {
            var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
            if (layers.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, classLocation, modelName));
                return diagnostics.ToImmutable();
            }

            foreach (var site in layers)
            {
                CheckArguments(site, diagnostics);
            }

            var orderIsValid = CheckInputPosition(modelName, classLocation, layers, diagnostics);
            if (orderIsValid)
            {
                CheckFlow(layers, diagnostics);
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
            if (diagnostics.Count == 0)
            {
                CheckSizes(modelName, classLocation, layers, diagnostics);
            }

            return diagnostics.ToImmutable();
        }

        /// <summary>The trainable parameters of a layer as Keras counts them, with a symbolic width counted as 0.</summary>
        public static decimal ParameterCount(LayerSpec layer, int inputWidth)
        {
            decimal n = Fixed(inputWidth);
            decimal u = Fixed(layer.Size);
            decimal directions = layer.Bidirectional ? 2 : 1;
            return directions * layer.Kind switch
            {
                LayerKind.Embedding => n * u,
                LayerKind.Lstm => (4 * u * (n + u)) + (4 * u),
                LayerKind.Gru => 3 * u * (n + u + 2), // reset_after: separate input and recurrent biases
                LayerKind.SimpleRnn => (u * (n + u)) + u,
                LayerKind.Dense => (n * u) + u,
                LayerKind.PositionalEmbedding => 0, // counted by the caller: it needs the vocabulary and the table length
                LayerKind.MultiHeadAttention => AttentionParameters(n, layer),
                LayerKind.LayerNormalization => 2 * n,
                LayerKind.TransformerDecoder => ((layer.AttendToInput ? 2 : 1) * (AttentionParameters(n, layer) + (2 * n)))
                    + (n * layer.Hidden) + layer.Hidden + (layer.Hidden * n) + n + (2 * n),
                _ => 0,
            };
        }

        /// <summary>Query, key and value kernels and biases, and the output projection back to the width.</summary>
        private static decimal AttentionParameters(decimal width, LayerSpec layer)
        {
            decimal keySize = layer.KeySize > 0 ? layer.KeySize : (layer.Heads > 0 ? System.Math.Floor(width / layer.Heads) : 0);
            decimal hd = layer.Heads * keySize;
            return (3 * ((width * hd) + hd)) + (hd * width) + width;
        }

        private static void CheckArguments(LayerSite site, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
        {
            var layer = site.Layer;
            switch (layer.Kind)
            {
                case LayerKind.TokenInput:
                    CheckSize(site, "length", layer.Length, site.LengthIsVocabularySymbol, vocabularyAllowed: false, diagnostics);
                    CheckSize(site, "vocabulary", layer.Size, site.SizeIsVocabularySymbol, vocabularyAllowed: true, diagnostics);
                    break;
                case LayerKind.Embedding:
                    CheckSize(site, "dimension", layer.Size, site.SizeIsVocabularySymbol, vocabularyAllowed: false, diagnostics);
                    break;
                case LayerKind.Lstm:
                case LayerKind.Gru:
                case LayerKind.SimpleRnn:
                    CheckSize(site, "units", layer.Size, site.SizeIsVocabularySymbol, vocabularyAllowed: false, diagnostics);
                    break;
                case LayerKind.Dense:
                    CheckSize(site, "units", layer.Size, site.SizeIsVocabularySymbol, vocabularyAllowed: true, diagnostics);
                    break;
                case LayerKind.PositionalEmbedding:
                    CheckSize(site, "dimension", layer.Size, site.SizeIsVocabularySymbol, vocabularyAllowed: false, diagnostics);
                    if (layer.Length != 0 || site.LengthIsVocabularySymbol)
                    {
                        CheckSize(site, "length", layer.Length, site.LengthIsVocabularySymbol, vocabularyAllowed: false, diagnostics);
                    }

                    break;
                case LayerKind.MultiHeadAttention:
                case LayerKind.TransformerDecoder:
                    CheckSize(site, "heads", layer.Heads, false, vocabularyAllowed: false, diagnostics);
                    if (layer.KeySize < 0)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, site.Location, Name(layer.Kind), "keySize", layer.KeySize, "write a positive number, or 0 for width / heads"));
                    }

                    if (layer.Kind == LayerKind.TransformerDecoder)
                    {
                        CheckSize(site, "hidden", layer.Hidden, false, vocabularyAllowed: false, diagnostics);
                    }

                    break;
                case LayerKind.Dropout:
                    // Written as a negated range so that NaN is rejected too.
                    if (!(layer.Rate >= 0 && layer.Rate < 1))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutRateOutOfRange, site.Location, layer.Rate.ToString("R", CultureInfo.InvariantCulture)));
                    }

                    break;
            }
        }

        private static void CheckSize(
            LayerSite site, string parameter, int value, bool isVocabularySymbol, bool vocabularyAllowed, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
        {
            var layerName = Name(site.Layer.Kind);
            if (isVocabularySymbol && !vocabularyAllowed)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VocabularyNotAllowed, site.Location, layerName, parameter));
            }
            else if (isVocabularySymbol && value == SymbolicSize.Vocabulary)
            {
                // The symbol where it is allowed: bound when the model is created.
            }
            else if (value <= 0)
            {
                var instead = vocabularyAllowed
                    ? "write a positive number, or Dim.Vocabulary to bind the vocabulary when the model is created"
                    : "write a positive number";
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, site.Location, layerName, parameter, value, instead));
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

        private static void CheckFlow(IReadOnlyList<LayerSite> layers, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
        {
            var input = layers[0].Layer;
            var shape = Shape.TokenIds(input.Length, input.Size);

            // The layer that made the current shape (Dropout passes it through), for the fix suggested in messages.
            var producer = LayerKind.TokenInput;
            for (var i = 1; i < layers.Count; i++)
            {
                var site = layers[i];
                var layer = site.Layer;
                switch (layer.Kind)
                {
                    case LayerKind.Embedding:
                        if (shape.Form != Form.TokenIds)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddingNotAfterInput, site.Location, Name(layers[i - 1].Layer.Kind)));
                        }

                        shape = Shape.Sequence(input.Length, layer.Size);
                        break;

                    case LayerKind.Lstm:
                    case LayerKind.Gru:
                    case LayerKind.SimpleRnn:
                        if (shape.Form == Form.Vector)
                        {
                            var fix = LayerKinds.IsRecurrent(producer)
                                ? "set returnSequences: true on the previous " + Name(producer)
                                : "a Dense layer outputs a vector, so move the " + Name(layer.Kind) + " before it";
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SequenceExpected, site.Location, Name(layer.Kind), shape.ToString(), fix));
                        }

                        var width = layer.Bidirectional && !SymbolicSize.IsSymbolic(layer.Size) ? 2 * layer.Size : layer.Size;
                        shape = layer.ReturnSequences ? Shape.Sequence(input.Length, width) : Shape.Vector(width);
                        break;

                    case LayerKind.Flatten:
                        if (shape.Form != Form.Sequence)
                        {
                            var fix = shape.Form == Form.TokenIds
                                ? "add an [Embedding(dimension)] or a recurrent layer with returnSequences: true before Flatten"
                                : "set returnSequences: true on the previous recurrent layer, or remove the Flatten";
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SequenceExpected, site.Location, "Flatten", shape.ToString(), fix));
                            continue;
                        }

                        shape = Shape.Vector(SymbolicSize.IsSymbolic(shape.Width) ? shape.Width : (int)System.Math.Min(int.MaxValue, (long)shape.Steps * shape.Width));
                        break;

                    case LayerKind.PositionalEmbedding:
                        if (shape.Form != Form.TokenIds)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorSequenceExpected, site.Location, "PositionalEmbedding", "the output of " + Name(layers[i - 1].Layer.Kind) + " " + shape,
                                "it looks up token ids, so move it directly after [TokenInput]"));
                        }
                        else if (layer.Length > 0 && input.Length > layer.Length)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SequenceLongerThanPositions, site.Location, input.Length, layer.Length));
                        }

                        shape = Shape.Sequence(input.Length, layer.Size);
                        break;

                    case LayerKind.MultiHeadAttention:
                    case LayerKind.LayerNormalization:
                    case LayerKind.TransformerDecoder:
                        if (shape.Form != Form.Sequence)
                        {
                            var gets = shape.Form == Form.TokenIds ? "token ids " + shape : "a vector " + shape;
                            var fix = shape.Form == Form.TokenIds
                                ? "add a [PositionalEmbedding(dimension)] (or an [Embedding]) before it"
                                : "set returnSequences: true on the previous recurrent layer, or move " + Name(layer.Kind) + " before the layer that makes a vector";
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorSequenceExpected, site.Location, Name(layer.Kind), gets, fix));
                            if (shape.Form == Form.TokenIds)
                            {
                                // Reported once: carry on as if the ids had been embedded.
                                shape = Shape.Sequence(shape.Steps, shape.Width);
                            }

                            continue;
                        }

                        if (layer.Kind != LayerKind.LayerNormalization && layer.KeySize == 0 && layer.Heads > 0 && !SymbolicSize.IsSymbolic(shape.Width) && shape.Width % layer.Heads != 0)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.HeadsDoNotDivideWidth, site.Location, Name(layer.Kind), shape.Width, layer.Heads));
                        }

                        break;

                    case LayerKind.Dropout:
                        if (shape.Form == Form.TokenIds)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutOnTokenIds, site.Location));
                        }

                        continue;

                    case LayerKind.Dense:
                        if (layer.Activation == ActivationKind.Sigmoid && layer.Size != 1)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SigmoidNeedsOneUnit, site.Location, SymbolicSize.IsSymbolic(layer.Size) ? "Dim.Vocabulary" : layer.Size.ToString(CultureInfo.InvariantCulture)));
                        }

                        // Over a sequence a (last) Dense applies per step: a language model trained on every position.
                        var perStep = shape.Form == Form.Sequence && layer.Activation != ActivationKind.Sigmoid;
                        if (shape.Form != Form.Vector && !perStep)
                        {
                            var gets = shape.Form == Form.TokenIds ? "token ids " + shape : "a sequence " + shape + " with a sigmoid";
                            var fix = producer switch
                            {
                                LayerKind.Lstm or LayerKind.Gru or LayerKind.SimpleRnn => "set returnSequences: false on the previous recurrent layer",
                                LayerKind.Embedding => "add an [Lstm(units)] between Embedding and Dense",
                                _ => "add an [Lstm(units)] between TokenInput and Dense",
                            };
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VectorExpected, site.Location, "Dense", gets, fix));
                        }

                        shape = perStep ? Shape.Sequence(shape.Steps, layer.Size) : Shape.Vector(layer.Size);
                        break;

                    default:
                        // A second TokenInput, already reported: the flow carries on past it.
                        continue;
                }

                producer = layer.Kind;
            }
        }

        private static void CheckSizes(string modelName, Location? classLocation, IReadOnlyList<LayerSite> layers, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
        {
            var input = layers[0].Layer;
            var steps = (decimal)input.Length;
            var width = input.Size;
            var parameters = 0m;
            var hasSymbolicWeights = false;
            for (var i = 1; i < layers.Count; i++)
            {
                var site = layers[i];
                var layer = site.Layer;
                if (layer.Kind == LayerKind.Dropout)
                {
                    continue;
                }

                if (layer.Kind == LayerKind.Flatten)
                {
                    var flat = steps * Fixed(width);
                    if (flat > MaxElements)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ActivationTooLarge, site.Location, "Flatten", Format(flat), Format(steps) + " steps × " + Format(Fixed(width)) + " features"));
                    }

                    width = SymbolicSize.IsSymbolic(width) ? width : (int)System.Math.Min(int.MaxValue, flat);
                    continue;
                }

                if (LayerKinds.KeepsSequenceWidth(layer.Kind))
                {
                    // Same width out as in; attention keeps [B·H, T, T] weights per sample while training.
                    parameters += ParameterCount(layer, width);
                    var weights = layer.Heads * steps * steps * (layer.Kind == LayerKind.TransformerDecoder && layer.AttendToInput ? 2 : 1);
                    if (weights > MaxElements)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ActivationTooLarge, site.Location, Name(layer.Kind), Format(weights), Format(layer.Heads) + " heads × " + Format(steps) + " × " + Format(steps) + " positions"));
                    }

                    continue;
                }

                if (layer.Kind == LayerKind.PositionalEmbedding)
                {
                    var table = layer.Length > 0 ? layer.Length : steps;
                    parameters += (Fixed(width) + table) * Fixed(layer.Size);
                    hasSymbolicWeights |= SymbolicSize.IsSymbolic(width);
                    width = layer.Size;
                    continue;
                }

                hasSymbolicWeights |= SymbolicSize.IsSymbolic(width) || SymbolicSize.IsSymbolic(layer.Size);
                parameters += ParameterCount(layer, width);

                var units = (decimal)Fixed(layer.Size);
                var (elements, counted) = layer.Kind switch
                {
                    LayerKind.Embedding => (steps * units, Format(steps) + " steps × " + Format(units) + " dimensions"),
                    LayerKind.Lstm => (4 * steps * units, "4 gates × " + Format(steps) + " steps × " + Format(units) + " units"),
                    LayerKind.Gru => (3 * steps * units, "3 gates × " + Format(steps) + " steps × " + Format(units) + " units"),
                    LayerKind.SimpleRnn => (steps * units, Format(steps) + " steps × " + Format(units) + " units"),
                    _ => (units, Format(units) + " units"),
                };
                if (elements > MaxElements)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ActivationTooLarge, site.Location, Name(layer.Kind), Format(elements), counted));
                }

                width = layer.Bidirectional ? 2 * layer.Size : layer.Size;
            }

            if (parameters > MaxElements)
            {
                var note = hasSymbolicWeights ? " without the weights that grow with the vocabulary" : "";
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooManyParameters, classLocation, modelName, Format(parameters), note));
            }
        }

        private static int Fixed(int size) => SymbolicSize.IsSymbolic(size) ? 0 : size;

        private static string Format(decimal value) => value.ToString("#,0", CultureInfo.InvariantCulture);

        private static string Name(LayerKind kind) => kind switch
        {
            LayerKind.TokenInput => "TokenInput",
            LayerKind.Embedding => "Embedding",
            LayerKind.Lstm => "Lstm",
            LayerKind.Gru => "Gru",
            LayerKind.SimpleRnn => "SimpleRnn",
            LayerKind.Dropout => "Dropout",
            LayerKind.Dense => "Dense",
            LayerKind.Flatten => "Flatten",
            LayerKind.PositionalEmbedding => "PositionalEmbedding",
            LayerKind.MultiHeadAttention => "MultiHeadAttention",
            LayerKind.LayerNormalization => "LayerNormalization",
            LayerKind.TransformerDecoder => "TransformerDecoder",
            _ => kind.ToString(),
        };

        private enum Form
        {
            TokenIds,
            Sequence,
            Vector,
        }

        private readonly struct Shape
        {
            private readonly int steps;
            private readonly int width;

            private Shape(Form form, int steps, int width)
            {
                Form = form;
                this.steps = steps;
                this.width = width;
            }

            public Form Form { get; }

            public int Steps => steps;

            public int Width => width;

            public static Shape TokenIds(int steps, int vocabulary) => new(Form.TokenIds, steps, vocabulary);

            public static Shape Sequence(int steps, int width) => new(Form.Sequence, steps, width);

            public static Shape Vector(int width) => new(Form.Vector, 0, width);

            public override string ToString() => Form switch
            {
                Form.TokenIds => "[" + Dimension(steps, "T") + "]",
                Form.Sequence => "[" + Dimension(steps, "T") + ", " + Dimension(width, "V") + "]",
                _ => "[" + Dimension(width, "V") + "]",
            };

            private static string Dimension(int size, string symbol) =>
                SymbolicSize.IsSymbolic(size) ? symbol : size.ToString(CultureInfo.InvariantCulture);
        }
    }
}
