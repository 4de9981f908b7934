using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;

namespace Blueshift.Functions.Api;

internal static class ApiConventions
{
    /// <summary>Declares the problem responses of an endpoint for the OpenAPI document; 401 and 403 apply to every identified call.</summary>
    public static RouteHandlerBuilder ProducesApiProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses.Append(StatusCodes.Status401Unauthorized).Append(StatusCodes.Status403Forbidden).Distinct())
        {
            builder.Produces<ProblemDetails>(status, "application/problem+json");
        }
        return builder;
    }

    /// <summary>
    /// Describes the JSON body <typeparamref name="TBody"/> in the OpenAPI document only. <c>Accepts&lt;T&gt;()</c> would also make
    /// routing refuse other content types with a bare 415; <see cref="JsonBody"/> refuses them with a problem that says what to send.
    /// </summary>
    public static RouteHandlerBuilder DescribesJsonBody<TBody>(this RouteHandlerBuilder builder, bool required = true) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = required,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });
}
