using Blueshift.Domain.Analysis;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Azure.AppService;
using Blueshift.Functions.Azure.Monitor;

namespace Blueshift.Functions.Analysis.AzureMonitor;

/// <summary>
/// App Service request metrics from the Azure Monitor Metrics REST API: <c>Requests</c>, <c>Http5xx</c> (totals) and
/// <c>HttpResponseTime</c> (average, seconds) at one-minute grain, Azure Monitor's finest. The window starts at the first
/// whole grain in it, so a bucket that began before the window (and may hold another step's traffic) never counts.
/// </summary>
/// <param name="grain">
/// The interval asked for: Azure's one minute, or less against the App Service emulator, whose metrics have any grain, so
/// that tests can judge bakes of seconds.
/// </param>
internal sealed class AzureMonitorMetricsProvider(MetricsClient client, TimeSpan grain) : IMetricsProvider
{
    public static readonly TimeSpan AzureGrain = TimeSpan.FromMinutes(1);

    private const string Requests = "Requests";
    private const string ServerErrors = "Http5xx";
    private const string ResponseTime = "HttpResponseTime";

    public AzureMonitorMetricsProvider(MetricsClient client)
        : this(client, AzureGrain)
    {
    }

    private TimeSpan Grain { get; } = grain > TimeSpan.Zero && grain <= AzureGrain
        ? grain
        : throw new ArgumentOutOfRangeException(nameof(grain), grain, "The metric grain is more than zero and at most one minute.");

    public async Task<MetricWindow> GetWindowAsync(ManagedApp app, string? slot, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var start = new DateTimeOffset((from.UtcTicks + Grain.Ticks - 1) / Grain.Ticks * Grain.Ticks, TimeSpan.Zero);
        // The timespan travels with millisecond precision: an end less than a millisecond after the start would reach the
        // service as an empty (start == end) window, which it refuses with 400. Such a window holds no whole grain anyway.
        var end = new DateTimeOffset(to.UtcTicks - to.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        if (start >= end)
        {
            return new MetricWindow(0, 0, null);
        }
        var site = SiteId.Parse(app.ResourceId).Production;
        var resource = slot is null || slot.Equals(SiteId.ProductionSlotName, StringComparison.OrdinalIgnoreCase) ? site : site.WithSlot(slot);
        var result = await client.QueryResourceAsync(resource.ToString(), new MetricsQuery
        {
            MetricNames = [Requests, ServerErrors, ResponseTime],
            Start = start,
            End = end,
            Interval = Grain,
            Aggregations = MetricAggregation.Total | MetricAggregation.Average,
        }, cancellationToken);

        var requests = Points(result, Requests);
        var errors = Points(result, ServerErrors);
        var latency = Points(result, ResponseTime);
        var requestCount = (long)Math.Round(requests.Sum(p => p.Total ?? 0));
        var errorCount = (long)Math.Round(errors.Sum(p => p.Total ?? 0));

        // Average of the per-minute averages weighted by each minute's requests: a quiet minute must not weigh as much as a busy one.
        double weighted = 0, weight = 0;
        foreach (var point in latency.Where(p => p.Average is not null))
        {
            var count = requests.FirstOrDefault(r => r.TimeStamp == point.TimeStamp)?.Total ?? 1;
            weighted += point.Average!.Value * 1000 * count;
            weight += count;
        }
        return new MetricWindow(requestCount, errorCount, weight > 0 ? weighted / weight : null);
    }

    private static IReadOnlyList<MetricValue> Points(MetricsQueryResult result, string name)
    {
        var metric = result.Find(name);
        if (metric is null || !metric.IsSuccess)
        {
            // A missing metric is not zero traffic: report it, and let the activity be retried rather than judge on nothing.
            throw new InvalidDataException($"The metrics API returned no '{name}' ({metric?.ErrorCode ?? "absent"}).");
        }
        return [.. metric.TimeSeries.SelectMany(s => s.Data)];
    }
}
