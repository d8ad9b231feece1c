using ModelDsl.Training;
using Xunit;

namespace ModelDsl.Tests.Runtime;

/// <summary>An optimizer's configuration (saved in training checkpoints) reads back exactly, and a broken one is named.</summary>
public sealed class OptimizerConfigTests
{
    [Fact]
    public void Every_rule_round_trips_through_its_configuration()
    {
        foreach (var optimizer in new Optimizer[] { new RmsProp(0.01f, 0.8f, 1e-6f), new Adam(0.002f, 0.85f, 0.995f, 1e-8f), new Sgd(0.1f, 0.9f, nesterov: true) })
            Assert.Equal(optimizer.ConfigJson(), Optimizer.FromConfigJson(optimizer.ConfigJson()).ConfigJson());
    }

    [Theory]
    [InlineData("""{"name":"rmsprop","learning_rate":0.01,"epsilon":1e-7}""", "'rho' is missing")]
    [InlineData("""{"name":"adam","learning_rate":0.01,"beta_1":"0.9","beta_2":0.999,"epsilon":1e-7}""", "'beta_1' is not a number")]
    [InlineData("""{"name":"sgd","learning_rate":0.01,"momentum":0.9,"nesterov":1}""", "'nesterov' is not a boolean")]
    [InlineData("""{"name":"sgd","learning_rate":1e300,"momentum":0.9,"nesterov":false}""", "'learning_rate' is not a finite float")]
    [InlineData("""{"learning_rate":0.01}""", "'name' is missing")]
    [InlineData("""[1, 2]""", "not a JSON object")]
    public void A_missing_or_mistyped_hyperparameter_is_named(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Optimizer.FromConfigJson(json));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Only_the_running_means_of_squares_must_stay_non_negative()
    {
        Assert.True(new RmsProp().SlotIsNonNegative(0));
        Assert.Equal([false, true], [new Adam().SlotIsNonNegative(0), new Adam().SlotIsNonNegative(1)]);
        Assert.False(new Sgd(0.1f, 0.9f).SlotIsNonNegative(0));
    }
}
