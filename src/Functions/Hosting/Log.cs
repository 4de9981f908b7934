namespace Blueshift.Functions.Hosting;

internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "{Count} HTTP functions run their endpoints; every [Function] has one and every endpoint a [Function]")]
    public static partial void EndpointTableChecked(ILogger logger, int count);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Function {FunctionName} was called on {Path}, which its route {Route} does not match")]
    public static partial void RouteMismatch(ILogger logger, string functionName, string path, string route);
}
