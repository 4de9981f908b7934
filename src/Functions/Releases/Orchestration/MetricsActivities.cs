using Blueshift.Domain.Analysis;
using Blueshift.Functions.Analysis;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>The release's metric reads (<see cref="IMetricsProvider"/>): pure reads, safe to repeat.</summary>
internal sealed class MetricsActivities(IMetricsProvider metrics)
{
    public Task<MetricWindow> MeasureWindowAsync(WindowRequest request, CancellationToken cancellationToken) =>
        metrics.GetWindowAsync(request.App, request.Slot, request.From, request.To, cancellationToken);

    /// <summary>Both slots over the same window: the canary is judged against what production served meanwhile.</summary>
    public async Task<CanaryWindows> MeasureCanaryAsync(WindowRequest request, CancellationToken cancellationToken)
    {
        var baseline = await metrics.GetWindowAsync(request.App, null, request.From, request.To, cancellationToken);
        var canary = await metrics.GetWindowAsync(request.App, request.App.StagingSlot, request.From, request.To, cancellationToken);
        return new CanaryWindows(baseline, canary);
    }
}
