using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Blueshift.Functions.Api;

internal static class ApiConventions
{
    /// <summary>
    /// Declares the problem responses (<c>application/problem+json</c>) an endpoint's own code can answer with; 400 lists invalid
    /// fields under <c>errors</c>. 401 and 403 come from <see cref="Security.CallerEndpoints.RequireCaller{TBuilder}"/>.
    /// </summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses.Distinct())
        {
            if (status == StatusCodes.Status400BadRequest)
            {
                builder.ProducesValidationProblem();
            }
            else
            {
                builder.ProducesProblem(status);
            }
        }
        return builder;
    }

    /// <summary>
    /// Describes the request body <typeparamref name="TBody"/> in the OpenAPI document only. <c>Accepts&lt;T&gt;()</c> would also make
    /// routing refuse other content types with a bare 415; <see cref="JsonBody"/> refuses them with a problem that says what to send.
    /// </summary>
    public static RouteHandlerBuilder DescribesBody<TBody>(this RouteHandlerBuilder builder, bool required = true, string contentType = "application/json") =>
        builder.WithMetadata(new RequestBodyMetadata(typeof(TBody), required, contentType));

    /// <summary>Declares an optional request header the endpoint reads itself.</summary>
    public static RouteHandlerBuilder WithRequestHeader(this RouteHandlerBuilder builder, string name, string description) =>
        builder.WithMetadata(new RequestHeaderMetadata(name, description));

    /// <summary>Declares a header the endpoint sets on its <paramref name="status"/> response.</summary>
    public static RouteHandlerBuilder WithResponseHeader(this RouteHandlerBuilder builder, int status, string name, string description) =>
        builder.WithMetadata(new ResponseHeaderMetadata(status, name, description));

    /// <summary>Writes each endpoint's body and header metadata into its operation.</summary>
    public static async Task DescribeBodyAndHeadersAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        foreach (var header in metadata.OfType<RequestHeaderMetadata>())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name,
                In = ParameterLocation.Header,
                Required = false,
                Description = header.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
        if (metadata.OfType<RequestBodyMetadata>().LastOrDefault() is { } body)
        {
            var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = body.Required,
                Content = new Dictionary<string, OpenApiMediaType> { [body.ContentType] = new() { Schema = schema } },
            };
        }
        foreach (var header in metadata.OfType<ResponseHeaderMetadata>())
        {
            if (operation.Responses?.TryGetValue(header.Status.ToString(CultureInfo.InvariantCulture), out var response) != true || response is not OpenApiResponse declared)
            {
                throw new InvalidOperationException($"Header '{header.Name}' is declared for a {header.Status} response that the endpoint does not declare.");
            }
            declared.Headers ??= new Dictionary<string, IOpenApiHeader>();
            declared.Headers[header.Name] = new OpenApiHeader { Description = header.Description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        }
    }
}

/// <summary>Endpoint metadata: the body the endpoint reads itself, for the OpenAPI document and the tests that check it.</summary>
public sealed record RequestBodyMetadata(Type Type, bool Required, string ContentType);

/// <summary>Endpoint metadata: an optional request header the endpoint reads itself, for the OpenAPI document.</summary>
public sealed record RequestHeaderMetadata(string Name, string Description);

/// <summary>Endpoint metadata: a header the endpoint sets on one of its responses, for the OpenAPI document.</summary>
public sealed record ResponseHeaderMetadata(int Status, string Name, string Description);
