using Blueshift.Functions.Hosting;

namespace Blueshift.Functions.Api;

/// <summary>Serves the OpenAPI document of the HTTP API, anonymously: it describes the API and holds nothing secret.</summary>
public sealed class OpenApiModule : IFunctionModule
{
    public const string DocumentName = "v1";

    public static readonly HttpFunction Document = new("OpenApiDocument", $"openapi/{DocumentName}.json", ["GET"], AuthLevel.Anonymous);

    // The route names the document, so MapOpenApi's handler would bind 'documentName' from the query instead and answer any
    // other name with a plain-text 404; this path serves the one document, so the parameter is refused as a problem.
    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapOpenApi(FunctionEndpoints.PathOf(Document))
            .WithName(Document.Name)
            .WithMetadata(Document)
            .AddEndpointFilter(async (context, next) => context.HttpContext.Request.Query.ContainsKey("documentName")
                ? ApiProblems.Validation(
                    new Dictionary<string, string[]> { ["documentName"] = [$"This path serves the '{DocumentName}' document only; leave 'documentName' out."] })
                : await next(context));
}
