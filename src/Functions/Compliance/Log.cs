namespace Blueshift.Functions.Compliance;

internal static partial class Log
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "App {App}: the notification of compliance finding {Kind} to a {TargetKind} target failed ({Problem}); the next run tries again.")]
    public static partial void NotificationFailed(ILogger logger, string app, string kind, string targetKind, string problem);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Compliance job {Job}: run {RunId} started.")]
    public static partial void RunStarted(ILogger logger, string job, string runId);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Compliance job {Job}: run {RunId} {Status} after {Apps} apps ({Failed} failed checks, {Open} open findings).")]
    public static partial void RunFinished(ILogger logger, string job, string runId, ComplianceRunStatus status, int apps, int failed, int open);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Compliance job {Job}: the check of {App} failed ({Problem}); its findings stay as they were.")]
    public static partial void CheckFailed(ILogger logger, string job, string app, string problem);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Compliance job {Job}: not started, run {InstanceId} is still {Status}.")]
    public static partial void RunAlreadyGoing(ILogger logger, string job, string instanceId, string status);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Information, Message = "Compliance job {Job}: run {RunId} scheduled.")]
    public static partial void RunScheduled(ILogger logger, string job, string runId);
}
