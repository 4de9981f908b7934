using Blueshift.Functions.Api;
using Blueshift.Functions.Releases;
using Xunit;

namespace Blueshift.Functions.Tests.Releases;

public sealed class StartReleaseValidationTests
{
    private static StartReleaseBody Valid() => new(
        App: "shop-web",
        Version: "2.4.1",
        Package: "https://packages.example.com/shop-web/2.4.1.zip",
        ReleaseType: "Minor",
        ChangeClass: "Standard",
        TrafficSteps: [10, 25, 50, 100],
        BakeTime: "PT15M",
        SmokeTests: [new SmokeTestBody("home", "/", null, null, null)],
        Reason: "Quarterly feature drop");

    [Fact]
    public void Validate_ValidBody_ReturnsRequestWithDefaults()
    {
        var request = StartReleaseValidation.Validate(Valid() with { ReleaseType = "minor", Strategy = null }, allowLoopbackHttp: false, out var errors);

        Assert.Empty(errors);
        Assert.NotNull(request);
        Assert.Equal("Minor", request.ReleaseType);
        Assert.Equal("canary", request.Strategy);
        Assert.Equal(TimeSpan.FromMinutes(15), request.BakeTime);
        Assert.Equal([10, 25, 50, 100], request.TrafficSteps!);
        var smoke = Assert.Single(request.SmokeTests!);
        Assert.Equal(200, smoke.ExpectedStatus);
        Assert.True(smoke.Critical);
    }

    [Fact]
    public void Validate_EmptyBody_ListsEveryRequiredField()
    {
        var request = StartReleaseValidation.Validate(new StartReleaseBody(null, null, null, null, null), false, out var errors);

        Assert.Null(request);
        Assert.Equal(["app", "changeClass", "package", "releaseType", "version"], errors.Keys.Order());
    }

    [Theory]
    [InlineData(new[] { 10, 25, 50 }, "trafficSteps")]
    [InlineData(new[] { 25, 10, 100 }, "trafficSteps[1]")]
    [InlineData(new[] { 0, 100 }, "trafficSteps[0]")]
    [InlineData(new[] { 50, 50, 100 }, "trafficSteps[1]")]
    [InlineData(new[] { 10, 101 }, "trafficSteps[1]")]
    [InlineData(new int[0], "trafficSteps")]
    public void Validate_BadTrafficSteps_NamesTheStep(int[] steps, string field)
    {
        var request = StartReleaseValidation.Validate(Valid() with { TrafficSteps = steps }, false, out var errors);

        Assert.Null(request);
        Assert.Contains(field, errors.Keys);
    }

    [Theory]
    [InlineData("PT15M", 900)]
    [InlineData("PT1H30M", 5400)]
    [InlineData("P1D", 86400)]
    [InlineData("PT0.5S", -1)]
    [InlineData("00:05:00", 300)]
    [InlineData("1.00:00:00", 86400)]
    [InlineData("P1DT1S", -1)]
    [InlineData("P1M", -1)]
    [InlineData("P1Y", -1)]
    [InlineData("PT", -1)]
    [InlineData("P", -1)]
    [InlineData("15 minutes", -1)]
    [InlineData("-00:05:00", -1)]
    public void Validate_BakeTime_AcceptsIsoAndTimeSpanWithinBounds(string bakeTime, int expectedSeconds)
    {
        var request = StartReleaseValidation.Validate(Valid() with { BakeTime = bakeTime }, false, out var errors);

        if (expectedSeconds < 0)
        {
            Assert.Null(request);
            Assert.Contains("bakeTime", errors.Keys);
        }
        else
        {
            Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), request!.BakeTime);
        }
    }

    [Theory]
    [InlineData("http://packages.example.com/a.zip", true, false)]
    [InlineData("http://127.0.0.1:9000/a.zip", false, false)]
    [InlineData("http://127.0.0.1:9000/a.zip", true, true)]
    [InlineData("http://localhost:9000/a.zip", true, true)]
    [InlineData("https://user:secret@packages.example.com/a.zip", false, false)]
    [InlineData("ftp://packages.example.com/a.zip", true, false)]
    [InlineData("/relative/a.zip", true, false)]
    public void Validate_Package_RequiresHttpsExceptLoopbackWhenAllowed(string package, bool allowLoopbackHttp, bool valid)
    {
        var request = StartReleaseValidation.Validate(Valid() with { Package = package }, allowLoopbackHttp, out var errors);

        Assert.Equal(valid, request is not null);
        Assert.Equal(valid, !errors.ContainsKey("package"));
    }

    [Fact]
    public void Validate_PackageWithCredentials_DoesNotEchoThem()
    {
        StartReleaseValidation.Validate(Valid() with { Package = "https://user:secret@packages.example.com/a.zip" }, false, out var errors);

        Assert.DoesNotContain(errors.Values.SelectMany(v => v), m => m.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BlueGreenWithSteps_IsRejected()
    {
        var request = StartReleaseValidation.Validate(Valid() with { Strategy = "blue-green" }, false, out var errors);

        Assert.Null(request);
        Assert.Contains("trafficSteps", errors.Keys);
    }

    [Fact]
    public void Validate_NormalChangeWithoutReference_AsksForTheChangeRequest()
    {
        var request = StartReleaseValidation.Validate(Valid() with { ChangeClass = "Normal" }, false, out var errors);

        Assert.Null(request);
        Assert.Contains("CAB", Assert.Single(errors["changeReference"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmergencyWithoutReason_IsRejected()
    {
        var request = StartReleaseValidation.Validate(Valid() with { ChangeClass = "Emergency", Reason = null }, false, out var errors);

        Assert.Null(request);
        Assert.Contains("reason", errors.Keys);
    }

    [Theory]
    [InlineData("Shop", "app")]
    [InlineData("-shop", "app")]
    [InlineData("2.4.1 beta", "version")]
    [InlineData("", "version")]
    public void Validate_BadNames_NameTheField(string value, string field)
    {
        var body = field == "app" ? Valid() with { App = value } : Valid() with { Version = value };

        StartReleaseValidation.Validate(body, false, out var errors);

        Assert.Equal([field], errors.Keys);
    }

    [Theory]
    [InlineData("//evil.example.com/x", "smokeTests[0].path")]
    [InlineData("https://evil.example.com/x", "smokeTests[0].path")]
    [InlineData("/ok path", "smokeTests[0].path")]
    public void Validate_SmokeTestPathOffTheApp_IsRejected(string path, string field)
    {
        StartReleaseValidation.Validate(Valid() with { SmokeTests = [new SmokeTestBody("x", path, 200, null, true)] }, false, out var errors);

        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public void Validate_SmokeTestsWithDuplicateNamesAndBadStatus_ReportsEach()
    {
        var body = Valid() with
        {
            SmokeTests = [new SmokeTestBody("home", "/", 200, null, null), new SmokeTestBody("HOME", "/x", 700, null, null), null],
        };

        StartReleaseValidation.Validate(body, false, out var errors);

        Assert.Contains("smokeTests[1].name", errors.Keys);
        Assert.Contains("smokeTests[1].expectedStatus", errors.Keys);
        Assert.Contains("smokeTests[2]", errors.Keys);
    }
}
