namespace ModelDsl.Checkpoints;

/// <summary>A named float32 tensor: its shape and its values in row-major order.</summary>
public sealed record TensorData(string Name, int[] Shape, float[] Data);
