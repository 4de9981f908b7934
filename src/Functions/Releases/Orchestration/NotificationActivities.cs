using Blueshift.Functions.Notifications;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>
/// Sends one notification to one target (<see cref="INotifier"/>). Never fails the rollback: a notifier that cannot
/// deliver is reported as the outcome. A repeat may deliver twice; receivers get the release id to recognise it.
/// </summary>
internal sealed class NotificationActivities(IEnumerable<INotifier> notifiers, ILogger<NotificationActivities> logger)
{
    /// <returns><c>sent</c>, or <c>failed: </c> and why.</returns>
    public async Task<string> NotifyAsync(NotifyRequest request, CancellationToken cancellationToken)
    {
        var target = request.Target;
        var notifier = notifiers.FirstOrDefault(n => n.Kind.Equals(target.Kind, StringComparison.OrdinalIgnoreCase));
        try
        {
            if (notifier is null)
            {
                throw new NotSupportedException($"No notifier serves targets of kind '{target.Kind}'.");
            }
            await notifier.PostAsync(target.Endpoint, request.Notification, cancellationToken);
            return "sent";
        }
        catch (Exception ex) when (ex is HttpRequestException or global::Azure.RequestFailedException or NotSupportedException or IOException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var outcome = "failed: " + ex switch
            {
                // Only the status: messages may quote responses, and responses may quote settings.
                HttpRequestException hre => hre.StatusCode is { } status ? $"HTTP {(int)status}" : $"network error {hre.HttpRequestError}",
                global::Azure.RequestFailedException rfe => $"Azure answered {rfe.Status}",
                OperationCanceledException => "timed out",
                _ => ex.Message,
            };
            Log.NotificationFailed(logger, request.ReleaseId, target.Kind, outcome);
            return outcome;
        }
    }
}
