namespace Blueshift.Domain.Tests.Alerts;

public class AlertSamplesTests
{
    [Fact]
    public void FileNames_FixtureFolder_HoldsExactlyThePinnedSamples()
    {
        Assert.True(Directory.Exists(AlertSamples.Folder), $"{AlertSamples.Folder} is missing: the alert samples belong in the repository (tests/Fixtures/alerts).");

        var present = Directory.GetFiles(AlertSamples.Folder, "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();

        Assert.Equal(AlertSamples.FileNames, present);
    }
}
