namespace Blueshift.LocalFunctionsHost;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Starting custom handler {Executable} (pid {ProcessId}) on port {Port}")]
    public static partial void HandlerStarting(ILogger logger, string executable, int processId, int port);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Custom handler listening on port {Port}")]
    public static partial void HandlerReady(ILogger logger, int port);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Stopping custom handler (pid {ProcessId})")]
    public static partial void HandlerStopping(ILogger logger, int processId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "The custom handler {Name} (pid {ProcessId}) exited unexpectedly with code {ExitCode}; every call would fail from now on, so the host stops. Handler: {Executable}")]
    public static partial void HandlerExited(ILogger logger, string name, int processId, int exitCode, string executable);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "handler: {Line}")]
    public static partial void HandlerOutput(ILogger logger, string line);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Function {FunctionName}: {AuthLevel} {Methods} /{Route}")]
    public static partial void HttpFunctionLoaded(ILogger logger, string functionName, string authLevel, string methods, string route);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Executed {FunctionName} ({Method} {Path}) -> {StatusCode} in {ElapsedMilliseconds:F0} ms")]
    public static partial void HttpForwarded(ILogger logger, string functionName, string method, string path, int statusCode, double elapsedMilliseconds);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Rejected {Method} {Path} for {FunctionName}: no valid key for authLevel {AuthLevel}")]
    public static partial void Unauthorized(ILogger logger, string method, string path, string functionName, string authLevel);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "Custom handler unreachable for {FunctionName}")]
    public static partial void HandlerUnreachable(ILogger logger, string functionName, Exception exception);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Function {FunctionName}: timer '{Schedule}', next at {Next:O}")]
    public static partial void TimerScheduled(ILogger logger, string functionName, string schedule, DateTimeOffset next);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Executed {FunctionName} (timer) -> {StatusCode} in {ElapsedMilliseconds:F0} ms")]
    public static partial void TimerInvoked(ILogger logger, string functionName, int statusCode, double elapsedMilliseconds);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Timer invocation of {FunctionName} failed")]
    public static partial void TimerFailed(ILogger logger, string functionName, Exception exception);

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Function {FunctionName}: queue '{QueueName}' (max dequeue count {MaxDequeueCount})")]
    public static partial void QueueListening(ILogger logger, string functionName, string queueName, int maxDequeueCount);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Executed {FunctionName} (message {MessageId}, dequeue count {DequeueCount}) -> {StatusCode}")]
    public static partial void QueueInvoked(ILogger logger, string functionName, string messageId, long dequeueCount, int statusCode);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Message {MessageId} of {QueueName} failed {DequeueCount} times: moved to {PoisonQueue}")]
    public static partial void QueuePoisoned(ILogger logger, string messageId, string queueName, long dequeueCount, string poisonQueue);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Polling queue {QueueName} for {FunctionName} failed; retrying")]
    public static partial void QueuePollFailed(ILogger logger, string queueName, string functionName, Exception exception);
}
