namespace Blueshift.LocalFunctionsHost;

/// <summary>Log messages of <see cref="FunctionAppHost"/> (event ids 100 and up; the custom-handler proxy uses 1-99).</summary>
internal static partial class FunctionAppHostLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Function {FunctionName}: {AuthLevel} {Methods} /{Pattern}")]
    public static partial void HttpFunctionMapped(ILogger logger, string functionName, string authLevel, string methods, string pattern);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Rejected {Method} {Path} for {FunctionName}: no valid key for authLevel {AuthLevel}")]
    public static partial void Unauthorized(ILogger logger, string method, string path, string functionName, string authLevel);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Function {FunctionName} failed (invocation {InvocationId})")]
    public static partial void FunctionFailed(ILogger logger, string functionName, string invocationId, Exception exception);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Function {FunctionName}: timer '{Schedule}', next at {Next:O}")]
    public static partial void TimerScheduled(ILogger logger, string functionName, string schedule, DateTimeOffset next);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Executed {FunctionName} (timer, occurrence {Occurrence:O}) in {ElapsedMilliseconds:F0} ms")]
    public static partial void TimerInvoked(ILogger logger, string functionName, DateTimeOffset occurrence, double elapsedMilliseconds);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Durable task hub {TaskHubName}: {Orchestrators} orchestrator(s), {Activities} activity(ies), gRPC on {Socket}")]
    public static partial void DurableStarting(ILogger logger, string taskHubName, int orchestrators, int activities, string socket);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information, Message = "Durable task hub {TaskHubName} stopped; partitions released")]
    public static partial void DurableStopped(ILogger logger, string taskHubName);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "Stopping the durable task hub {TaskHubName} failed")]
    public static partial void DurableStopFailed(ILogger logger, string taskHubName, Exception exception);
}
