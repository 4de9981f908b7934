using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Apps;

public sealed class AppsModule : IFunctionModule
{
    public IEnumerable<FunctionDefinition> Functions => AppEndpoints.Functions;

    public void Map(IEndpointRouteBuilder endpoints) => AppEndpoints.Map(endpoints);
}
