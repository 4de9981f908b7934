namespace Blueshift.Functions.Alerts;

internal static partial class Log
{
    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Alert webhook refused an unauthenticated call: {Reason}")]
    public static partial void Unauthenticated(ILogger logger, string reason);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Alert webhook refused a payload with {ErrorCount} field error(s), first at {FirstPath}")]
    public static partial void InvalidPayload(ILogger logger, int errorCount, string firstPath);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Alert webhook refused a body larger than {Limit} bytes")]
    public static partial void PayloadTooLarge(ILogger logger, int limit);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Information, Message = "Alert {AlertKey} ({Condition}, {Severity}): {Decision}, {RollbackCount} rollback(s) accepted")]
    public static partial void Decided(ILogger logger, string alertKey, string condition, string severity, string decision, int rollbackCount);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "Alert {AlertKey}: the engine refused to roll back release {ReleaseId} ({Status}): {Detail}")]
    public static partial void RollbackRefused(ILogger logger, string alertKey, string releaseId, int status, string detail);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Warning, Message = "Alert {AlertKey} could not be handled now; answered 503 so the action group retries")]
    public static partial void Unavailable(ILogger logger, string alertKey, Exception exception);

    [LoggerMessage(EventId = 1407, Level = LogLevel.Information, Message = "Alert {AlertKey} is being handled by another delivery; answered 503 so the action group retries")]
    public static partial void Busy(ILogger logger, string alertKey);

    [LoggerMessage(EventId = 1408, Level = LogLevel.Warning, Message = "Alert {AlertKey}: releasing the claim after a failure failed too; it is retaken when its lease runs out")]
    public static partial void ReleaseFailed(ILogger logger, string alertKey, Exception exception);

    [LoggerMessage(EventId = 1409, Level = LogLevel.Error, Message = "Audit records of an alert whose handling failed could not be written")]
    public static partial void AuditFailed(ILogger logger, Exception exception);
}
