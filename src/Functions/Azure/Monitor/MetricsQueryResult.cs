using System.Globalization;
using System.Text.Json;
using System.Xml;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure.Monitor;

/// <summary>One data point of a metric time series; an aggregation the query did not ask for (or that had no data) is null.</summary>
/// <param name="TimeStamp">The start of the interval the point covers.</param>
public sealed record MetricValue(DateTimeOffset TimeStamp)
{
    /// <summary>The average.</summary>
    public double? Average { get; init; }

    /// <summary>The smallest sample.</summary>
    public double? Minimum { get; init; }

    /// <summary>The largest sample.</summary>
    public double? Maximum { get; init; }

    /// <summary>The sum.</summary>
    public double? Total { get; init; }

    /// <summary>The number of samples.</summary>
    public double? Count { get; init; }

    internal static MetricValue FromJson(JsonElement element) =>
        new(element.GetDateTimeOffset("timeStamp") ?? DateTimeOffset.MinValue)
        {
            Average = element.GetDouble("average"),
            Minimum = element.GetDouble("minimum"),
            Maximum = element.GetDouble("maximum"),
            Total = element.GetDouble("total"),
            Count = element.GetDouble("count"),
        };
}

/// <summary>A time series of a metric: one combination of dimension values and its data points.</summary>
public sealed record MetricTimeSeries
{
    /// <summary>The dimension values of this series (e.g. <c>Instance</c> → <c>RD0003FF</c>); empty when not split.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The data points, oldest first.</summary>
    public IReadOnlyList<MetricValue> Data { get; init; } = [];

    internal static MetricTimeSeries FromJson(JsonElement element)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (element.TryGetProperty("metadatavalues", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            foreach (var value in values.EnumerateArray())
            {
                if (value.GetObject("name").GetString("value") is { } name)
                {
                    metadata[name] = value.GetString("value") ?? string.Empty;
                }
            }
        }
        var data = element.TryGetProperty("data", out var points) && points.ValueKind == JsonValueKind.Array
            ? points.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object).Select(MetricValue.FromJson).ToArray()
            : [];
        return new MetricTimeSeries { Metadata = metadata, Data = data };
    }
}

/// <summary>
/// One metric of a query result. The service reports a per-metric failure inside a 200 response
/// (<see cref="ErrorCode"/> other than <c>Success</c>): such a metric has no data and must not be read as zero.
/// </summary>
public sealed record MetricResult
{
    /// <summary>The metric id.</summary>
    public string? Id { get; init; }

    /// <summary>The metric name, e.g. <c>Http5xx</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The localized display name.</summary>
    public string? LocalizedName { get; init; }

    /// <summary>The unit, e.g. <c>Count</c>, <c>Seconds</c>, <c>Milliseconds</c>, <c>Percent</c>, <c>CountPerSecond</c>.</summary>
    public string? Unit { get; init; }

    /// <summary>The description of the metric.</summary>
    public string? DisplayDescription { get; init; }

    /// <summary><c>Success</c>, another code when the service could not compute the metric, or null when not reported.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The service's explanation when <see cref="ErrorCode"/> is not <c>Success</c>.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>True unless the service reported an error for this metric.</summary>
    public bool IsSuccess => ErrorCode is null || string.Equals(ErrorCode, "Success", StringComparison.OrdinalIgnoreCase);

    /// <summary>The time series (one per combination of dimension values).</summary>
    public IReadOnlyList<MetricTimeSeries> TimeSeries { get; init; } = [];

    internal static MetricResult FromJson(JsonElement element)
    {
        var name = element.GetObject("name");
        return new MetricResult
        {
            Id = element.GetString("id"),
            Name = name.GetString("value") ?? string.Empty,
            LocalizedName = name.GetString("localizedValue"),
            Unit = element.GetString("unit"),
            DisplayDescription = element.GetString("displayDescription"),
            ErrorCode = element.GetString("errorCode"),
            ErrorMessage = element.GetString("errorMessage"),
            TimeSeries = element.TryGetProperty("timeseries", out var series) && series.ValueKind == JsonValueKind.Array
                ? series.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object).Select(MetricTimeSeries.FromJson).ToArray()
                : [],
        };
    }
}

/// <summary>The result of a metrics query.</summary>
public sealed record MetricsQueryResult
{
    /// <summary>The relative cost of the query.</summary>
    public int? Cost { get; init; }

    /// <summary>The window the data covers, as the service returned it (<c>start/end</c>, ISO 8601).</summary>
    public required string Timespan { get; init; }

    /// <summary>The time grain the service used (it may adjust the requested one); null for <c>FULL</c> or when absent.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>The metric namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>The region of the queried resource.</summary>
    public string? ResourceRegion { get; init; }

    /// <summary>The metrics, in the order the service returned them.</summary>
    public IReadOnlyList<MetricResult> Metrics { get; init; } = [];

    /// <summary>The metric called <paramref name="name"/> (case-insensitive), or null when absent.</summary>
    public MetricResult? Find(string name) =>
        Metrics.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    internal static MetricsQueryResult FromJson(JsonElement root) => new()
    {
        Cost = (int?)root.GetInt64("cost"),
        Timespan = root.GetString("timespan") ?? string.Empty,
        Interval = ParseInterval(root.GetString("interval")),
        Namespace = root.GetString("namespace"),
        ResourceRegion = root.GetString("resourceregion"),
        Metrics = root.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.Object).Select(MetricResult.FromJson).ToArray()
            : [],
    };

    private static TimeSpan? ParseInterval(string? interval)
    {
        if (string.IsNullOrEmpty(interval) || string.Equals(interval, "FULL", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            return XmlConvert.ToTimeSpan(interval);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    internal static string FormatTimespan(DateTimeOffset start, DateTimeOffset end) =>
        string.Create(CultureInfo.InvariantCulture, $"{start.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}/{end.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}");
}
