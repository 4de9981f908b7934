using Blueshift.Domain.Releases;

namespace Blueshift.Functions.Releases;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Release {ReleaseId} of {App}: {From} -> {To}. {Message}")]
    public static partial void PhaseChanged(ILogger logger, string releaseId, string app, ReleasePhase from, ReleasePhase to, string message);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Release {ReleaseId}: step in phase {Phase} failed ({Problem}); retrying on a later tick.")]
    public static partial void StepFailed(ILogger logger, string releaseId, ReleasePhase phase, string problem);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Release {ReleaseId} was changed by another writer; leaving this step to it.")]
    public static partial void LostRace(ILogger logger, string releaseId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Release {ReleaseId}: reconcile failed unexpectedly.")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, string releaseId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Release {ReleaseId}: could not write audit record {Action}.")]
    public static partial void AuditFailed(ILogger logger, Exception exception, string releaseId, string action);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Reconcile tick: {Due} releases due, {Advanced} advanced, {Failed} failed.")]
    public static partial void TickCompleted(ILogger logger, int due, int advanced, int failed);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Release {ReleaseId}: notification to a {Kind} target failed ({Problem}).")]
    public static partial void NotificationFailed(ILogger logger, string releaseId, string kind, string problem);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Release {ReleaseId}: the first step after the command failed; the reconcile tick will retry.")]
    public static partial void ImmediateStepFailed(ILogger logger, Exception exception, string releaseId);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "App {App}: took over the lock of release {StaleReleaseId}, which had ended or never started.")]
    public static partial void StaleLockBroken(ILogger logger, string app, string staleReleaseId);
}
