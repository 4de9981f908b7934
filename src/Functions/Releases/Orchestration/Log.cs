using Blueshift.Domain.Releases;

namespace Blueshift.Functions.Releases.Orchestration;

/// <summary>The release orchestrations' log lines; orchestrators write them through a replay-safe logger, so each appears once.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Release {ReleaseId} of {App}: {From} -> {To}. {Message}")]
    public static partial void PhaseChanged(ILogger logger, string releaseId, string app, ReleasePhase from, ReleasePhase to, string message);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Release {ReleaseId}: step {Step} ({Percent} %) passed; promoted: {Promoted}.")]
    public static partial void StepPassed(ILogger logger, string releaseId, int step, int percent, bool promoted);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Release {ReleaseId}: deployment attempt {Attempt} failed: {Detail}.")]
    public static partial void DeploymentFailed(ILogger logger, string releaseId, int attempt, string detail);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Release {ReleaseId} waits: {Reason}")]
    public static partial void Waiting(ILogger logger, string releaseId, string reason);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "Release {ReleaseId}: notification to a {Kind} target failed ({Problem}).")]
    public static partial void NotificationFailed(ILogger logger, string releaseId, string kind, string problem);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Error, Message = "Release {ReleaseId}: a record of its rollback could not be written ({Problem}); the rollback goes on.")]
    public static partial void BookkeepingFailed(ILogger logger, string releaseId, string problem);
}
