namespace Blueshift.Functions.Notifications;

/// <summary>Posts release notifications to one kind of endpoint (<see cref="Apps.NotificationTarget.Kind"/>).</summary>
public interface INotifier
{
    /// <summary>The target kind this notifier serves: <c>webhook</c> or <c>eventgrid</c>.</summary>
    string Kind { get; }

    Task PostAsync(Uri endpoint, ReleaseNotification notification, CancellationToken cancellationToken);

    /// <summary>Posts a compliance finding that is new, recurs or got worse.</summary>
    Task PostAsync(Uri endpoint, ComplianceNotification notification, CancellationToken cancellationToken);
}

/// <summary>
/// A compliance finding people must look at (seed 000 §11): opened, reopened or escalated by a scheduled job. Carries the
/// finding's measured evidence, never a secret's value.
/// </summary>
/// <param name="Event"><c>compliance.finding-opened</c>, <c>compliance.finding-reopened</c> or <c>compliance.finding-escalated</c>.</param>
/// <param name="Severity"><c>Low</c>, <c>Medium</c>, <c>High</c> or <c>Critical</c>.</param>
public sealed record ComplianceNotification(
    string Event,
    DateTimeOffset Time,
    string App,
    string Job,
    string RunId,
    string Kind,
    string Subject,
    string Severity,
    string Summary,
    IReadOnlyDictionary<string, string> Evidence,
    DateTimeOffset FirstSeen)
{
    /// <summary>The notification as plain text, for chat and e-mail bridges.</summary>
    public string ToText() =>
        $"""
        COMPLIANCE FINDING ({Severity})

        Time: {Time:yyyy-MM-dd HH:mm:ss} UTC
        App: {App}
        Check: {Job}
        Finding: {Kind}{(Subject.Length > 0 ? " (" + Subject + ")" : string.Empty)}

        {Summary}

        First seen: {FirstSeen:yyyy-MM-dd HH:mm:ss} UTC
        """;
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
