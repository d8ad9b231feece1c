#nullable enable
using System.Collections.Generic;
using System.Globalization;

namespace ModelDsl.Ir
{
    /// <summary>
    /// <c>[Dropout(rate)]</c>: inverted dropout while training (a fresh mask per step, kept values scaled by 1/(1 − rate)),
    /// the identity at inference and in ONNX. Any shape but token ids; any number of steps.
    /// </summary>
    public sealed class DropoutLayer : LayerDefinition
    {
        public override LayerKind Kind => LayerKind.Dropout;
        public override string Name => "Dropout";
        public override string KerasName => "dropout";
        public override bool AcceptsAnyStepCount => true;

        public override LayerSpec Read(ILayerArguments arguments) => new LayerSpec(LayerKind.Dropout) { Rate = arguments.Double("rate") };

        public override void CheckArguments(LayerSpec layer, ILayerArguments arguments, ProblemSink problems)
        {
            // Written as a negated range so that NaN is rejected too.
            if (!(layer.Rate >= 0 && layer.Rate < 1))
                problems.Report(ProblemCode.DropoutRateOutOfRange, layer.Rate.ToString("R", CultureInfo.InvariantCulture));
        }

        public override TensorShape InferShape(ShapeContext context, LayerSpec layer, IReadOnlyList<TensorShape> inputs)
        {
            if (inputs[0].Form == ShapeForm.TokenIds) context.Report(ProblemCode.DropoutOnTokenIds);
            context.KeepProducer();
            return inputs[0];
        }

        internal override Lowering.Value Lower(Lowering.Lowerer lowerer, string name, LayerSpec layer, IReadOnlyList<Lowering.Value> inputs, bool isLast) =>
            lowerer.Dropout(name, layer, inputs[0]);

        public override void WriteConfig(LayerSpec layer, IConfigWriter config) => config.Add("rate", layer.Rate);

        public override OnnxValue ExportOnnx(IOnnxGraph graph, string name, LayerSpec layer, OnnxValue input) => input;
    }
}
