using System.Runtime.ExceptionServices;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Blueshift.Functions.Azure.ResourceManager;

/// <summary>
/// Azure.Core's retry behaviour (the message's <see cref="ResponseClassifier"/> decides: 408, 429, 5xx and transport
/// failures by default; the wait is <see cref="DelayStrategy"/>'s, which takes the larger of the server's
/// <c>Retry-After</c> / <c>retry-after-ms</c> / <c>x-ms-retry-after-ms</c> and the client's back-off) with the wait
/// running on a <see cref="TimeProvider"/>. <see cref="RetryPolicy"/> sleeps on the system clock in a method that
/// cannot be overridden, so the loop is taken over here; tests then observe the requested wait without sleeping.
/// </summary>
internal sealed class ArmRetryPolicy : RetryPolicy
{
    private readonly int _maxRetries;
    private readonly DelayStrategy _delayStrategy;
    private readonly TimeProvider _timeProvider;

    public ArmRetryPolicy(RetryOptions retry, TimeProvider timeProvider)
        : base(retry.MaxRetries)
    {
        _maxRetries = retry.MaxRetries;
        _delayStrategy = retry.Mode == RetryMode.Fixed
            ? DelayStrategy.CreateFixedDelayStrategy(retry.Delay)
            : DelayStrategy.CreateExponentialDelayStrategy(retry.Delay, retry.MaxDelay);
        _timeProvider = timeProvider;
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        for (var retry = 0; ; retry++)
        {
            Exception? failure = null;
            try
            {
                if (async)
                {
                    await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                }
                else
                {
                    ProcessNext(message, pipeline);
                }
            }
            catch (Exception exception)
            {
                failure = exception;
            }

            var retriable = retry < _maxRetries && (failure is not null
                ? message.ResponseClassifier.IsRetriable(message, failure)
                : message.Response.IsError && message.ResponseClassifier.IsRetriableResponse(message));
            if (!retriable)
            {
                if (failure is not null)
                {
                    ExceptionDispatchInfo.Capture(failure).Throw();
                }
                return;
            }

            var delay = _delayStrategy.GetNextDelay(message.HasResponse ? message.Response : null, retry + 1);
            if (message.HasResponse)
            {
                // Frees the connection before the wait.
                message.Response.ContentStream?.Dispose();
            }
            if (delay > TimeSpan.Zero)
            {
                var wait = Task.Delay(delay, _timeProvider, message.CancellationToken);
                if (async)
                {
                    await wait.ConfigureAwait(false);
                }
                else
                {
                    wait.GetAwaiter().GetResult();
                }
            }
        }
    }
}
