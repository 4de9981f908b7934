using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Releases;

/// <summary>The releases HTTP API in the function catalog (the engine's own timer is the ReconcileTick function).</summary>
public sealed class ReleaseApiModule : IFunctionModule
{
    public void Map(IEndpointRouteBuilder endpoints) => ReleaseEndpoints.Map(endpoints);
}
