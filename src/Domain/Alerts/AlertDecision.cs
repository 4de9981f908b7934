namespace Blueshift.Domain.Alerts;

/// <summary>
/// What Blueshift knows about one app when an alert arrives: the app's ARM id (<c>…/providers/Microsoft.Web/sites/{name}</c>),
/// the least severe alert that rolls it back, the release in flight (if any) and the last finished release with the end of
/// its post-release watch window.
/// </summary>
public sealed record AppAlertRoute(
    string AppResourceId,
    AlertSeverity RollbackAtOrAbove = AlertSeverity.Sev2,
    string? ActiveReleaseId = null,
    string? ActiveReleasePhase = null,
    string? LastReleaseId = null,
    DateTimeOffset? WatchWindowEndsAt = null);

public sealed record AlertRoutingInput(IReadOnlyList<AppAlertRoute> Apps, DateTimeOffset Now);

/// <summary>One release to roll back because of an alert on its app.</summary>
public sealed record ReleaseRollback(string AppName, string AppResourceId, string ReleaseId, string Reason);

public abstract record AlertAction(string Reason)
{
    /// <summary>Roll back these releases (one per app the alert targets; usually exactly one).</summary>
    public sealed record RollBack(IReadOnlyList<ReleaseRollback> Releases, string Reason) : AlertAction(Reason);

    /// <summary>Record the alert and do nothing else.</summary>
    public sealed record Acknowledge(string Reason) : AlertAction(Reason);
}

/// <summary>
/// Decides what an alert means for the releases of the apps it targets: a fired alert at or above an app's rollback severity
/// rolls back the release in flight, or the last release while its watch window is open; everything else is acknowledged.
/// An alert without a severity (budget alerts) is never at or above a threshold: rolling back needs a severity the app's
/// policy ranks.
/// </summary>
public static class AlertDecision
{
    public static AlertAction Decide(CommonAlert alert, AlertRoutingInput input)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(input);

        if (alert.MonitorCondition == MonitorCondition.Resolved)
        {
            return new AlertAction.Acknowledge($"Alert '{alert.AlertRule}' resolved; a resolved alert never rolls back a release.");
        }
        if (alert.AlertTargetIds.Count == 0)
        {
            return new AlertAction.Acknowledge($"Alert '{alert.AlertRule}' names no target resource.");
        }

        var routes = input.Apps
            .Select(a => (Route: a, Key: AppServiceResourceId.SiteKey(a.AppResourceId)))
            .ToList();
        var matched = new List<AppAlertRoute>();
        var unknown = new List<string>();
        foreach (var target in alert.AlertTargetIds)
        {
            var key = AppServiceResourceId.SiteKey(target);
            var route = routes.FirstOrDefault(r => r.Key == key).Route;
            if (route is null)
            {
                unknown.Add(target);
            }
            else if (!matched.Contains(route))
            {
                matched.Add(route);
            }
        }

        var rollbacks = new List<ReleaseRollback>();
        var notes = new List<string>();
        foreach (var app in matched)
        {
            var name = AppServiceResourceId.SiteName(app.AppResourceId);
            if (alert.Severity is not { } severity)
            {
                notes.Add($"{name}: the alert has no severity, so it cannot reach the rollback threshold {app.RollbackAtOrAbove}.");
            }
            else if (severity > app.RollbackAtOrAbove)
            {
                notes.Add($"{name}: {severity} is less severe than the rollback threshold {app.RollbackAtOrAbove}.");
            }
            else if (app.ActiveReleaseId is { } active)
            {
                var phase = app.ActiveReleasePhase is { } p ? $" (phase {p})" : "";
                rollbacks.Add(new ReleaseRollback(name, app.AppResourceId, active,
                    $"{alert.SeverityName} alert '{alert.AlertRule}' fired on {name} while release {active} was in flight{phase}."));
            }
            else if (app.LastReleaseId is { } last && app.WatchWindowEndsAt is { } ends && input.Now < ends)
            {
                rollbacks.Add(new ReleaseRollback(name, app.AppResourceId, last,
                    $"{alert.SeverityName} alert '{alert.AlertRule}' fired on {name} inside the watch window of release {last} (open until {ends:u})."));
            }
            else
            {
                notes.Add($"{name}: no release in flight and no watch window open.");
            }
        }
        if (unknown.Count > 0)
        {
            notes.Add($"{unknown.Count} target(s) are not apps managed by Blueshift: {string.Join(", ", unknown.Take(3))}{(unknown.Count > 3 ? ", …" : "")}.");
        }

        if (rollbacks.Count > 0)
        {
            return new AlertAction.RollBack(rollbacks, string.Join(" ", rollbacks.Select(r => r.Reason).Concat(notes)));
        }
        return new AlertAction.Acknowledge($"Alert '{alert.AlertRule}' ({alert.SeverityName}) fired; no rollback. " + string.Join(" ", notes));
    }
}

/// <summary>App Service resource ids, compared the way ARM does: case-insensitively, with a slot belonging to its site.</summary>
public static class AppServiceResourceId
{
    /// <summary>The site's id in lower case without a trailing slash or slot: <c>…/sites/x/slots/staging</c> → <c>…/sites/x</c>.</summary>
    public static string SiteKey(string resourceId)
    {
        var id = resourceId.Trim().TrimEnd('/').ToLowerInvariant();
        var slots = id.IndexOf("/slots/", StringComparison.Ordinal);
        return slots >= 0 && id.Contains("/providers/microsoft.web/sites/", StringComparison.Ordinal) ? id[..slots] : id;
    }

    /// <summary>The site's name as written in the id (<c>…/sites/MyApp/slots/staging</c> → <c>MyApp</c>).</summary>
    public static string SiteName(string resourceId)
    {
        var segments = resourceId.Trim().TrimEnd('/').Split('/');
        for (var i = 0; i < segments.Length - 1; i++)
        {
            if (segments[i].Equals("sites", StringComparison.OrdinalIgnoreCase))
            {
                return segments[i + 1];
            }
        }
        return segments[^1];
    }
}
