using Blueshift.Domain.Analysis;
using Blueshift.Functions.Apps;

namespace Blueshift.Functions.Analysis;

/// <summary>Request, server-error and latency figures of one slot over a time window.</summary>
public interface IMetricsProvider
{
    /// <param name="slot">Null for production.</param>
    Task<MetricWindow> GetWindowAsync(ManagedApp app, string? slot, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
