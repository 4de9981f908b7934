using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Releases;

/// <summary>The releases HTTP API in the function catalog.</summary>
public sealed class ReleaseApiModule : IFunctionModule
{
    public void Map(IEndpointRouteBuilder endpoints) => ReleaseEndpoints.Map(endpoints);
}
