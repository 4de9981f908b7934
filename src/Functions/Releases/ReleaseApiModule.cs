using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Releases;

/// <summary>The releases HTTP API in the function catalog (the engine's own timer lives in its ReleasesModule).</summary>
public sealed class ReleaseApiModule : IFunctionModule
{
    public IEnumerable<FunctionDefinition> Functions => ReleaseEndpoints.Functions;

    public void Map(IEndpointRouteBuilder endpoints) => ReleaseEndpoints.Map(endpoints);
}
