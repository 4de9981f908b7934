using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Apps;

public sealed class AppsModule : IFunctionModule
{
    public void Map(IEndpointRouteBuilder endpoints) => AppEndpoints.Map(endpoints);
}
