using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

/// <summary>The traffic log keeps an hour (by the emulator's clock): a standing load must not grow it without bound.</summary>
public sealed class TrafficRetentionTests : EmulatorTestBase
{
    private const string FirstMinute = "/providers/Microsoft.Insights/metrics?metricnames=Requests&timespan=2026-01-05T09:00:00Z/2026-01-05T09:01:00Z&interval=PT1M&aggregation=Total";

    private HttpClient Control => Arm.Http;

    private async Task<double> RequestsInFirstMinuteAsync()
    {
        var metrics = await Arm.JsonAsync(HttpMethod.Get, SitePath() + FirstMinute);
        return metrics["value"]![0]!["timeseries"]![0]!["data"]!.AsArray().Sum(p => p!["total"]?.GetValue<double>() ?? 0);
    }

    [Fact]
    public async Task TrafficLog_RecordsOlderThanTheRetention_AreDropped()
    {
        await Emulator.Traffic.SendAsync(Site, 10);
        Clock.Advance(TimeSpan.FromMinutes(61));
        await Emulator.Traffic.SendAsync(Site, 5);

        Assert.Equal(TimeSpan.FromHours(1), Emulator.TrafficLog.Retention);
        Assert.Equal(5, Emulator.TrafficLog.Count);
        Assert.All(Emulator.TrafficLog.Snapshot(), r => Assert.Equal(Clock.GetUtcNow(), r.Timestamp));
        Assert.Equal(15, Emulator.TrafficLog.Next);
        Assert.Equal(0, await RequestsInFirstMinuteAsync());
    }

    [Fact]
    public void Read_RecordArrivingLate_KeepsEverySequenceNumberSoAReaderFollowingNextMissesNone()
    {
        var clock = new Blueshift.Testing.ManualTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        var log = new TrafficLog(clock, TimeSpan.FromHours(1));
        var t = clock.GetUtcNow();
        TrafficRecord At(DateTimeOffset at, string path) => new(at, "front", "/s/app", "app", "production", "1.0.0", 200, TimeSpan.Zero, path, false);

        log.Add(At(t, "/a"));
        log.Add(At(t.AddTicks(2), "/b"));
        var (seen, next) = log.Read(0, 100, latest: false);
        // Served between the two, but reached the log after both (requests finishing together take the lock in any order).
        log.Add(At(t.AddTicks(1), "/c"));
        var (later, _) = log.Read(next, 100, latest: false);

        Assert.Equal(["/a", "/b"], seen.Select(r => r.Path));
        Assert.Equal(["/c"], later.Select(r => r.Path));
        Assert.Equal(["/a", "/c", "/b"], log.ForSlot("/s/app", "production", t, t.AddSeconds(1)).Select(r => r.Path));
    }

    [Fact]
    public async Task Metrics_WindowInsideTheRetention_UnchangedByLaterTraffic()
    {
        await Emulator.Traffic.SendAsync(Site, 40);
        var before = await RequestsInFirstMinuteAsync();

        Clock.Advance(TimeSpan.FromMinutes(59));
        await Emulator.Traffic.SendAsync(Site, 30);

        Assert.Equal(40, before);
        Assert.Equal(40, await RequestsInFirstMinuteAsync());
        Assert.Equal(70, Emulator.TrafficLog.Count);
    }

    [Fact]
    public async Task GetTraffic_Limit_AnswersTheMostRecentAndSincePagesInOrder()
    {
        await Emulator.Traffic.SendAsync(Site, 10);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Emulator.Traffic.SendAsync(Site, 20);

        var latest = await Control.GetFromJsonAsync<JsonObject>("/_emulator/traffic?site=app&limit=20");
        var first = await Control.GetFromJsonAsync<JsonObject>("/_emulator/traffic?since=0&limit=10");
        var rest = await Control.GetFromJsonAsync<JsonObject>($"/_emulator/traffic?since={first!["next"]}&limit=100");

        Assert.Equal(20, latest!["records"]!.AsArray().Count);
        Assert.All(latest["records"]!.AsArray(), r => Assert.Equal(Clock.GetUtcNow(), r!["timestamp"]!.GetValue<DateTimeOffset>()));
        Assert.Equal(30, latest["next"]!.GetValue<long>());
        Assert.Equal(10, first["next"]!.GetValue<long>());
        Assert.All(first["records"]!.AsArray(), r => Assert.True(r!["timestamp"]!.GetValue<DateTimeOffset>() < Clock.GetUtcNow()));
        Assert.Equal(20, rest!["records"]!.AsArray().Count);
        Assert.Equal(30, rest["next"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=100001")]
    [InlineData("since=-1")]
    public async Task GetTraffic_BadLimitOrSince_AnswersProblemDetails(string query)
    {
        using var response = await Control.GetAsync("/_emulator/traffic?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
