namespace Blueshift.Functions.Azure.Monitor;

/// <summary>The aggregations a metrics query asks for.</summary>
[Flags]
public enum MetricAggregation
{
    /// <summary>No aggregation (the service's default for the metric).</summary>
    None = 0,

    /// <summary>The average of the samples in each interval.</summary>
    Average = 1,

    /// <summary>The number of samples in each interval.</summary>
    Count = 2,

    /// <summary>The smallest sample in each interval.</summary>
    Minimum = 4,

    /// <summary>The largest sample in each interval.</summary>
    Maximum = 8,

    /// <summary>The sum of the samples in each interval.</summary>
    Total = 16,
}

/// <summary>A query of the Azure Monitor Metrics REST API for one resource.</summary>
public sealed record MetricsQuery
{
    /// <summary>The metric names, e.g. <c>Requests</c>, <c>Http5xx</c>, <c>HttpResponseTime</c> (at most 20; no commas in names).</summary>
    public required IReadOnlyList<string> MetricNames { get; init; }

    /// <summary>The start of the queried window (inclusive).</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>The end of the queried window (exclusive).</summary>
    public required DateTimeOffset End { get; init; }

    /// <summary>The time grain of the data points (e.g. one minute). Null asks for one data point over the whole window (<c>FULL</c>).</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>The aggregations to return; <see cref="MetricAggregation.None"/> leaves the choice to the service.</summary>
    public MetricAggregation Aggregations { get; init; } = MetricAggregation.Total | MetricAggregation.Average | MetricAggregation.Count;

    /// <summary>The metric namespace, e.g. <c>Microsoft.Web/sites</c>; null for the resource's default namespace.</summary>
    public string? MetricNamespace { get; init; }

    /// <summary>An OData <c>$filter</c> over dimensions, e.g. <c>Instance eq '*'</c>.</summary>
    public string? Filter { get; init; }
}
