namespace Blueshift.Functions.Hosting;

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Function {FunctionName} completed in {ElapsedMilliseconds:F0} ms")]
    public static partial void InvocationCompleted(ILogger logger, string functionName, double elapsedMilliseconds);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Invocation of {FunctionName} rejected: {Reason}")]
    public static partial void InvocationRejected(ILogger logger, string functionName, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Function {FunctionName} failed")]
    public static partial void InvocationFailed(ILogger logger, string functionName, Exception exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Wrote function.json for {Count} functions to {Directory}")]
    public static partial void MetadataWritten(ILogger logger, int count, string directory);
}
