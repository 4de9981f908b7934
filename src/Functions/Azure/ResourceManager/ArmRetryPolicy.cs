using Azure.Core;
using Azure.Core.Pipeline;

namespace Blueshift.Functions.Azure.ResourceManager;

/// <summary>
/// Azure.Core's retry policy (429, 408 and 5xx, honouring <c>Retry-After</c>, <c>retry-after-ms</c> and
/// <c>x-ms-retry-after-ms</c> through <see cref="DelayStrategy"/>) with its waiting moved onto a
/// <see cref="TimeProvider"/>, so tests observe the requested wait without sleeping.
/// </summary>
internal sealed class ArmRetryPolicy : RetryPolicy
{
    private const string RetryCountProperty = "Blueshift.ArmRetryPolicy.RetryCount";

    private readonly DelayStrategy _delayStrategy;
    private readonly TimeProvider _timeProvider;

    public ArmRetryPolicy(RetryOptions retry, TimeProvider timeProvider)
        // The base policy gets a zero delay strategy: it never sleeps itself, the wait happens in ShouldRetryAsync.
        : base(retry.MaxRetries, DelayStrategy.CreateFixedDelayStrategy(TimeSpan.Zero))
    {
        _delayStrategy = retry.Mode == RetryMode.Fixed
            ? DelayStrategy.CreateFixedDelayStrategy(retry.Delay)
            : DelayStrategy.CreateExponentialDelayStrategy(retry.Delay, retry.MaxDelay);
        _timeProvider = timeProvider;
    }

    protected override async ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception)
    {
        if (!await base.ShouldRetryAsync(message, exception).ConfigureAwait(false))
        {
            return false;
        }
        await WaitBeforeRetryAsync(message).ConfigureAwait(false);
        return true;
    }

    protected override bool ShouldRetry(HttpMessage message, Exception? exception)
    {
        if (!base.ShouldRetry(message, exception))
        {
            return false;
        }
        WaitBeforeRetryAsync(message).GetAwaiter().GetResult();
        return true;
    }

    private Task WaitBeforeRetryAsync(HttpMessage message)
    {
        // HttpMessage.RetryNumber is internal to Azure.Core, so the policy counts the retries of a message itself.
        var retry = message.TryGetProperty(RetryCountProperty, out var count) && count is int previous ? previous + 1 : 1;
        message.SetProperty(RetryCountProperty, retry);
        // DelayStrategy takes the larger of the server's Retry-After and the client's back-off.
        var delay = _delayStrategy.GetNextDelay(message.HasResponse ? message.Response : null, retry);
        return delay > TimeSpan.Zero ? Task.Delay(delay, _timeProvider, message.CancellationToken) : Task.CompletedTask;
    }
}
