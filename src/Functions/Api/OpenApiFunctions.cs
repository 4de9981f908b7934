using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Blueshift.Functions.Api;

/// <summary>The OpenAPI document (<see cref="OpenApiModule"/>), as an anonymous Function.</summary>
public sealed class OpenApiFunctions(FunctionEndpointTable endpoints)
{
    [Function(nameof(OpenApiDocument))]
    public IActionResult OpenApiDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi/v1.json")] HttpRequest req) => endpoints.Run(req);
}
