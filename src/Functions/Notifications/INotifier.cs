namespace Blueshift.Functions.Notifications;

/// <summary>Posts release notifications to one kind of endpoint (<see cref="Apps.NotificationTarget.Kind"/>).</summary>
public interface INotifier
{
    /// <summary>The target kind this notifier serves: <c>webhook</c> or <c>eventgrid</c>.</summary>
    string Kind { get; }

    Task PostAsync(Uri endpoint, ReleaseNotification notification, CancellationToken cancellationToken);
}

/// <summary>
/// The rollback communication of seed 000 §6.4: time, environment, reason, action taken, status, impact, next steps, contact.
/// </summary>
/// <param name="Event"><c>release.rolled-back</c>, <c>release.aborted</c>, <c>release.failed</c> or <c>release.stuck</c>.</param>
public sealed record ReleaseNotification(
    string Event,
    DateTimeOffset Time,
    string Environment,
    string App,
    string ReleaseId,
    string Version,
    string Reason,
    string ActionTaken,
    string CurrentStatus,
    string Impact,
    string Resolution,
    string Contact)
{
    /// <summary>The notification as the seed's plain-text template, for chat and e-mail bridges.</summary>
    public string ToText() =>
        $"""
        ROLLBACK NOTIFICATION

        Time: {Time:yyyy-MM-dd HH:mm:ss} UTC
        Environment: {Environment}
        Reason: {Reason}

        Action Taken: {ActionTaken}
        Current Status: {CurrentStatus}

        Impact: {Impact}
        Resolution: {Resolution}

        Contact: {Contact}
        """;
}
