using Microsoft.AspNetCore.Routing;

namespace Blueshift.Functions.Hosting;

/// <summary>Who may call an HTTP function through the Functions host (enforced by the host with function, host and master keys).</summary>
public enum AuthLevel { Anonymous, Function, Admin }

/// <summary>One function of the app: the single source of truth for the generated <c>function.json</c> and the mapped endpoints.</summary>
public abstract record FunctionDefinition(string Name);

/// <summary>An HTTP-triggered function. <paramref name="Route"/> is relative to the route prefix "api", e.g. <c>releases/{id}</c>.</summary>
public sealed record HttpFunction(string Name, string Route, string[] Methods, AuthLevel AuthLevel) : FunctionDefinition(Name);

/// <summary>A timer-triggered function. <paramref name="Schedule"/> is a 6-field NCRONTAB expression or an app-setting expression <c>%Name%</c>.</summary>
public sealed record TimerFunction(string Name, string Schedule, bool RunOnStartup = false) : FunctionDefinition(Name);

/// <summary>A queue-triggered function on the storage account named by the <paramref name="Connection"/> app setting.</summary>
public sealed record QueueFunction(string Name, string QueueName, string Connection = "AzureWebJobsStorage") : FunctionDefinition(Name);

/// <summary>A capability's functions: what it declares in the catalog and the endpoints that serve them.</summary>
public interface IFunctionModule
{
    IEnumerable<FunctionDefinition> Functions { get; }

    /// <summary>Maps the module's HTTP endpoints and its timer/queue invocation handlers.</summary>
    void Map(IEndpointRouteBuilder endpoints);
}
