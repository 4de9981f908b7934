namespace Blueshift.AppServiceEmulator.Tests;

public sealed class SamplePackageTests
{
    [Fact]
    public void Create_ThenRead_RoundTripsTheBehaviour()
    {
        var behaviour = new AppBehaviour("2.0.0", ErrorRate: 0.2, LatencyMs: 50, Healthy: false, FailStartup: true);

        Assert.Equal(behaviour, SamplePackage.Read(SamplePackage.Create(behaviour)));
    }

    [Fact]
    public void Read_NotAZip_ThrowsInvalidDataExceptionSayingSo()
    {
        var error = Assert.Throws<InvalidDataException>(() => SamplePackage.Read([1, 2, 3]));

        Assert.Contains("not a readable zip", error.Message);
    }

    [Fact]
    public void Create_ErrorRateAboveOne_IsRejected()
    {
        Assert.Throws<InvalidDataException>(() => SamplePackage.Create("1.0.0", errorRate: 1.5));
    }

    [Theory]
    [InlineData(0.2, 1000, 200)]
    [InlineData(0.05, 2000, 100)]
    [InlineData(0.333, 3000, 999)]
    [InlineData(0, 500, 0)]
    [InlineData(1, 50, 50)]
    public void ErrorPattern_FirstNRequests_FailExactlyFloorOfNTimesRate(double rate, int requests, int expected)
    {
        var failures = Enumerable.Range(1, requests).Count(n => ErrorPattern.Fails(n, rate));

        Assert.Equal(expected, failures);
    }
}
