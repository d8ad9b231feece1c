using ModelDsl.Ir;

namespace ModelDsl.Tests.Programs;

/// <summary>
/// Conv1D's steps and padding against TensorFlow's rules (tf.nn.convolution): "valid" T_out = ⌈(T − window + 1)/s⌉, "same"
/// T_out = ⌈T/s⌉ with pad = max((T_out − 1)·s + window − T, 0) split as ⌊pad/2⌋ before and the rest after, "causal" the
/// window − 1 steps all before. The ONNX Runtime tests take these pads as given, so they are pinned here.
/// </summary>
public class Conv1DShapeTests
{
    [Theory]
    [InlineData(7, 4, 1, 1, PaddingKind.Same, 7, 1, 2)]
    [InlineData(9, 3, 2, 1, PaddingKind.Same, 5, 1, 1)]
    [InlineData(10, 4, 3, 1, PaddingKind.Same, 4, 1, 2)]
    [InlineData(8, 2, 2, 1, PaddingKind.Same, 4, 0, 0)]
    [InlineData(9, 3, 2, 1, PaddingKind.Valid, 4, 0, 0)]
    [InlineData(10, 3, 1, 2, PaddingKind.Valid, 6, 0, 0)]
    [InlineData(8, 3, 1, 2, PaddingKind.Causal, 8, 4, 0)]
    [InlineData(8, 3, 2, 1, PaddingKind.Causal, 4, 2, 0)]
    public void Steps_and_pads_follow_tensorflow(int steps, int kernel, int strides, int dilation, PaddingKind padding, int outSteps, int left, int right)
    {
        var layer = new LayerSpec(LayerKind.Conv1D) { Size = 2, KernelSize = kernel, Strides = strides, Dilation = dilation, Padding = padding };
        Assert.Equal(outSteps, Conv1DLayer.OutputSteps(layer, steps));
        Assert.Equal((left, right), Conv1DLayer.Pads(layer, steps));
        // TensorFlow's valid size, written its own way.
        if (padding == PaddingKind.Valid) Assert.Equal((int)Math.Ceiling((steps - Conv1DLayer.Window(layer) + 1) / (double)strides), outSteps);
    }
}
