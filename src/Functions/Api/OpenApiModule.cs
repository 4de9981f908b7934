using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Api;

/// <summary>Serves the OpenAPI document of the HTTP API, anonymously: it describes the API and holds nothing secret.</summary>
public sealed class OpenApiModule : IFunctionModule
{
    public const string DocumentName = "v1";

    public static readonly HttpFunction Document = new("OpenApiDocument", $"openapi/{DocumentName}.json", ["GET"], AuthLevel.Anonymous);

    public IEnumerable<FunctionDefinition> Functions => [Document];

    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapOpenApi(FunctionCatalog.PathOf(Document))
            .WithName(Document.Name)
            .WithMetadata(Document);
}
