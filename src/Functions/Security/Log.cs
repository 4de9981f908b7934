namespace Blueshift.Functions.Security;

internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Refused {Method} {Path}: no trusted caller identity")]
    public static partial void CallerRefused(ILogger logger, string method, PathString path);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Refused {Method} {Path}: caller {CallerId} lacks role {Role}")]
    public static partial void RoleMissing(ILogger logger, string callerId, string role, string method, PathString path);
}
