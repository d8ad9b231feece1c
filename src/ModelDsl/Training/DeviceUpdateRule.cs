namespace ModelDsl.Training;

/// <summary>
/// One optimizer step as coefficients for the device's update kernel (GpuKernels.OptimizerUpdate), which evaluates the same
/// Keras 3 formula as the optimizer's host <see cref="Optimizer.Step"/>.
/// </summary>
/// <param name="Rule">0 SGD, 1 SGD with momentum, 2 Nesterov SGD, 3 RMSprop, 4 Adam.</param>
/// <param name="Decay">ρ (RMSprop), β₁ (Adam) or μ (SGD).</param>
/// <param name="OneMinusDecay">1 − ρ or 1 − β₁.</param>
/// <param name="OneMinusDecay2">1 − β₂ (Adam).</param>
/// <param name="Alpha">Adam's bias-corrected step lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), computed on the host in double as the host rule does.</param>
internal readonly record struct DeviceUpdateRule(int Rule, float LearningRate, float Decay, float OneMinusDecay, float OneMinusDecay2, float Epsilon, float Alpha);
