namespace Blueshift.Functions.Hosting;

/// <summary>Who may call an HTTP function through the Functions host (enforced by the host with function, host and master keys).</summary>
public enum AuthLevel { Anonymous, Function, Admin }

/// <summary>
/// An HTTP function's endpoint: its name, its route relative to the route prefix "api" (e.g. <c>releases/{id}</c>), methods and
/// auth level. The <c>[Function]</c> method of the same name declares the same trigger; <see cref="FunctionEndpointTable"/>
/// checks at start-up that the two agree.
/// </summary>
public sealed record HttpFunction(string Name, string Route, string[] Methods, AuthLevel AuthLevel);

/// <summary>A capability's HTTP endpoints (minimal-API handlers, filters and OpenAPI metadata), run by its <c>[Function]</c> methods.</summary>
public interface IFunctionModule
{
    /// <summary>Maps the module's endpoints with <see cref="FunctionEndpoints.MapHttpFunction"/>.</summary>
    void Map(IEndpointRouteBuilder endpoints);
}
