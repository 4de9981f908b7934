namespace Blueshift.Functions.Health;

internal static partial class Log
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Readiness: Table service at {Authority} answered {StatusCode}")]
    public static partial void StorageRefused(ILogger logger, string authority, int statusCode);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Readiness: Table service at {Authority} unreachable: {Reason}")]
    public static partial void StorageUnreachable(ILogger logger, string authority, string reason);
}
