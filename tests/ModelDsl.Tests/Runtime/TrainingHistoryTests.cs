using ModelDsl.Training;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class TrainingHistoryTests
{
    [Fact]
    public void RecordsEpochsInOrderAndFindsTheBestValidationLoss()
    {
        var history = new TrainingHistory();
        Assert.Null(history.Last);
        Assert.Null(history.BestByValidationLoss());

        history.Add(new EpochResult(1, 2.0, 1.9, TimeSpan.FromSeconds(10)));
        history.Add(new EpochResult(2, 1.6, 1.5, TimeSpan.FromSeconds(10)));
        history.Add(new EpochResult(3, 1.4, 1.7, TimeSpan.FromSeconds(11)));

        Assert.Equal(3, history.Count);
        Assert.Equal(3, history.Last!.Epoch);
        Assert.Equal(2, history.BestByValidationLoss()!.Epoch);
        Assert.Equal([2.0, 1.6, 1.4], history.Epochs.Select(e => e.TrainingLoss));
        Assert.Throws<ArgumentException>(() => history.Add(new EpochResult(3, 1.0, null, TimeSpan.Zero)));
    }

    [Fact]
    public void EpochsWithoutValidationHaveNoBest()
    {
        var history = new TrainingHistory();
        history.Add(new EpochResult(1, 2.0, null, TimeSpan.FromSeconds(1)));
        Assert.Null(history.BestByValidationLoss());
        Assert.Equal(new EpochResult(1, 2.0, null, TimeSpan.FromSeconds(1)), history.Last);
    }
}
