using Blueshift.AppServiceEmulator;

namespace Blueshift.EndToEnd.Tests.Releases.Scenarios;

/// <summary>
/// Users on a site's front door: a few requests every tenth of a second, until stopped. The emulator's own background
/// run serves one site at a time; a world with several apps needs one of these per site.
/// </summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public SteadyLoad(AppServiceEmulatorServer emulator, EmulatedSite site, int requestsPerSecond)
    {
        var perPeriod = Math.Max(1, requestsPerSecond / 10);
        _running = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(Period);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    await emulator.Traffic.SendAsync(site, perPeriod, concurrency: 4, cancellationToken: _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Stopped: the users go home.
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }
}
