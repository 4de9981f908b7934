namespace Blueshift.Functions.Compliance;

internal static partial class Log
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "App {App}: the notification of compliance finding {Kind} to a {TargetKind} target failed ({Problem}); the next run tries again.")]
    public static partial void NotificationFailed(ILogger logger, string app, string kind, string targetKind, string problem);
}
