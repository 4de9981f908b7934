namespace Blueshift.AppServiceEmulator;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "App Service emulator: ARM and control API on {Endpoint}")]
    public static partial void Listening(ILogger logger, Uri endpoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Site {Site} created: front door {FrontDoor}, slots {Slots}")]
    public static partial void SiteCreated(ILogger logger, string site, string frontDoor, string slots);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Swap {OperationId} of {Site} ({Source} <-> {Target}) started")]
    public static partial void SwapStarted(ILogger logger, string operationId, string site, string source, string target);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Operation {OperationId} ({Kind}) of {Site} finished: {Status}")]
    public static partial void OperationFinished(ILogger logger, string operationId, OperationKind kind, string site, OperationStatus status);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Deployment {DeploymentId} to {Site}/{Slot} accepted (version {Version})")]
    public static partial void DeploymentAccepted(ILogger logger, string deploymentId, string site, string slot, string version);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Injected ARM fault {Kind} on {Method} {Path}")]
    public static partial void ArmFaultApplied(ILogger logger, ArmFaultKind kind, string method, string path);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Slot {Site}/{Slot} is now {State}")]
    public static partial void SlotReachability(ILogger logger, string site, string slot, string state);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "Unhandled error on ARM call {Method} {Path}")]
    public static partial void UnhandledArmError(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Key Vault stand-in on {VaultUri}")]
    public static partial void VaultListening(ILogger logger, Uri vaultUri);
}
