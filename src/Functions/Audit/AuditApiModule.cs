using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Audit;

public sealed class AuditApiModule : IFunctionModule
{
    public void Map(IEndpointRouteBuilder endpoints) => AuditEndpoints.Map(endpoints);
}
