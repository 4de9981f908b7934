using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml;

namespace Blueshift.AppServiceEmulator;

/// <summary>
/// <c>GET {resourceId}/providers/Microsoft.Insights/metrics</c> for a site or slot, computed from the traffic the
/// emulator really served to that slot (shape per the Microsoft.Insights 2023-10-01 GetMetric example).
/// </summary>
internal static class MetricsApi
{
    private sealed record MetricDefinition(string Name, string LocalizedName, string Unit, string Description, string PrimaryAggregation, bool IsCount, Func<TrafficRecord, double?> Sample);

    private static readonly MetricDefinition[] Definitions =
    [
        new("Requests", "Requests", "Count", "The total number of requests regardless of their resulting HTTP status code.", "total", true, _ => 1),
        new("Http2xx", "Http 2xx", "Count", "The count of requests resulting in an HTTP status code >= 200 but < 300.", "total", true, r => r.Status is >= 200 and < 300 ? 1 : null),
        new("Http3xx", "Http 3xx", "Count", "The count of requests resulting in an HTTP status code >= 300 but < 400.", "total", true, r => r.Status is >= 300 and < 400 ? 1 : null),
        new("Http4xx", "Http 4xx", "Count", "The count of requests resulting in an HTTP status code >= 400 but < 500.", "total", true, r => r.Status is >= 400 and < 500 ? 1 : null),
        new("Http5xx", "Http Server Errors", "Count", "The count of requests resulting in an HTTP status code >= 500 but < 600.", "total", true, r => r.Status is >= 500 and < 600 ? 1 : null),
        new("HttpResponseTime", "Response Time", "Seconds", "The time taken for the app to serve requests, in seconds.", "average", false, r => r.Latency.TotalSeconds),
        new("HealthCheckStatus", "Health check status", "Count", "Health check status (100 = healthy).", "average", false, r => r.IsHealthCheck ? (r.Status is >= 200 and < 300 ? 100 : 0) : null),
    ];

    private static readonly string[] Aggregations = ["total", "average", "count", "minimum", "maximum"];

    public static async Task HandleAsync(HttpContext context, AppServiceEmulatorServer server, EmulatedSlot slot)
    {
        var query = context.Request.Query;
        var now = server.Time.GetUtcNow();

        var requested = query["metricnames"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (requested.Length == 0)
        {
            await BadRequestAsync(context, "metricnames is required, for example metricnames=Requests,Http5xx.");
            return;
        }
        var metrics = new List<MetricDefinition>();
        foreach (var name in requested)
        {
            var definition = Definitions.FirstOrDefault(d => d.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (definition is null)
            {
                await BadRequestAsync(context,
                    $"Failed to find metric configuration for provider: Microsoft.Web, resource Type: {(slot.IsProduction ? "sites" : "sites/slots")}, metric: {name}, Valid metrics: {string.Join(',', Definitions.Select(d => d.Name))}");
                return;
            }
            metrics.Add(definition);
        }

        if (!TryParseTimespan(query["timespan"].ToString(), now, out var start, out var end))
        {
            await BadRequestAsync(context, "timespan must be 'start/end' (ISO 8601 times), 'start/duration' or a duration ending now, with start before end.");
            return;
        }
        var intervalText = query["interval"].ToString();
        TimeSpan interval;
        try
        {
            interval = string.IsNullOrEmpty(intervalText) ? TimeSpan.FromMinutes(1)
                : intervalText.Equals("FULL", StringComparison.OrdinalIgnoreCase) ? end - start
                : XmlConvert.ToTimeSpan(intervalText);
        }
        catch (FormatException)
        {
            interval = TimeSpan.Zero;
        }
        if (interval <= TimeSpan.Zero)
        {
            await BadRequestAsync(context, $"interval '{intervalText}' is not a positive ISO 8601 duration such as PT1M.");
            return;
        }
        var aggregationText = query["aggregation"].ToString();
        var aggregations = aggregationText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => a.ToLowerInvariant()).ToList();
        if (aggregations.FirstOrDefault(a => !Aggregations.Contains(a)) is { } unknown)
        {
            await BadRequestAsync(context, $"Unknown aggregation '{unknown}': use Total, Average, Count, Minimum or Maximum.");
            return;
        }

        var alignedStart = new DateTimeOffset(start.UtcTicks - start.UtcTicks % Math.Min(interval.Ticks, TimeSpan.TicksPerDay), TimeSpan.Zero);
        var site = slot.Site;
        var records = server.TrafficLog.ForSlot(site.ResourceId, slot.Name, alignedStart, end);

        var value = new JsonArray();
        foreach (var metric in metrics)
        {
            var wanted = aggregations.Count > 0 ? aggregations : [metric.PrimaryAggregation];
            var data = new JsonArray();
            for (var bucket = alignedStart; bucket < end; bucket += interval)
            {
                var bucketEnd = bucket + interval;
                var samples = records.Where(r => r.Timestamp >= bucket && r.Timestamp < bucketEnd).Select(metric.Sample).OfType<double>().ToList();
                var point = new JsonObject { ["timeStamp"] = bucket.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) };
                foreach (var aggregation in wanted)
                {
                    switch (aggregation)
                    {
                        case "total" when samples.Count > 0 || metric.IsCount:
                            point["total"] = samples.Sum();
                            break;
                        case "count":
                            point["count"] = (double)samples.Count;
                            break;
                        case "average" when samples.Count > 0:
                            point["average"] = samples.Average();
                            break;
                        case "minimum" when samples.Count > 0:
                            point["minimum"] = samples.Min();
                            break;
                        case "maximum" when samples.Count > 0:
                            point["maximum"] = samples.Max();
                            break;
                    }
                }
                data.Add(point);
            }
            value.Add(new JsonObject
            {
                ["id"] = $"{slot.ResourceId}/providers/Microsoft.Insights/metrics/{metric.Name}",
                ["type"] = "Microsoft.Insights/metrics",
                ["name"] = new JsonObject { ["value"] = metric.Name, ["localizedValue"] = metric.LocalizedName },
                ["displayDescription"] = metric.Description,
                ["unit"] = metric.Unit,
                ["timeseries"] = new JsonArray(new JsonObject { ["metadatavalues"] = new JsonArray(), ["data"] = data }),
                ["errorCode"] = "Success",
            });
        }

        await ArmResponses.WriteJsonAsync(context, 200, new JsonObject
        {
            ["cost"] = 0,
            ["timespan"] = $"{Format(start)}/{Format(end)}",
            ["interval"] = XmlConvert.ToString(interval),
            ["value"] = value,
            ["namespace"] = slot.IsProduction ? "Microsoft.Web/sites" : "Microsoft.Web/sites/slots",
            ["resourceregion"] = site.Location.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant(),
        });
    }

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // Azure Monitor answers bad metric queries with a bare {"code","message"} body, not ARM's {"error":{...}} envelope.
    private static Task BadRequestAsync(HttpContext context, string message) =>
        ArmResponses.WriteJsonAsync(context, 400, new JsonObject { ["code"] = "BadRequest", ["message"] = message });

    private static bool TryParseTimespan(string text, DateTimeOffset now, out DateTimeOffset start, out DateTimeOffset end)
    {
        start = now - TimeSpan.FromHours(1);
        end = now;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        try
        {
            var parts = text.Split('/');
            if (parts.Length == 1)
            {
                start = now - XmlConvert.ToTimeSpan(parts[0]);
            }
            else if (parts.Length == 2)
            {
                start = ParseTime(parts[0]);
                end = parts[1].StartsWith('P') ? start + XmlConvert.ToTimeSpan(parts[1]) : ParseTime(parts[1]);
            }
            else
            {
                return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }
        return start < end;
    }

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
