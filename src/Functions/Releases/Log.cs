using Blueshift.Domain.Releases;

namespace Blueshift.Functions.Releases;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Release {ReleaseId} of {App}: {From} -> {To}. {Message}")]
    public static partial void PhaseChanged(ILogger logger, string releaseId, string app, ReleasePhase from, ReleasePhase to, string message);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Release {ReleaseId}: notification to a {Kind} target failed ({Problem}).")]
    public static partial void NotificationFailed(ILogger logger, string releaseId, string kind, string problem);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "App {App}: took over the lock of release {StaleReleaseId}, which had ended or never started.")]
    public static partial void StaleLockBroken(ILogger logger, string app, string staleReleaseId);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Release {ReleaseId} of {App} ({Version}) scheduled.")]
    public static partial void ReleaseScheduled(ILogger logger, string releaseId, string app, string version);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "Release {ReleaseId}: the early route reset failed; the rollback resets the route itself.")]
    public static partial void EarlyRouteResetFailed(ILogger logger, Exception exception, string releaseId);
}
