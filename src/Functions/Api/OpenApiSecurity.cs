using Blueshift.Functions.Hosting;
using Blueshift.Functions.Security;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Blueshift.Functions.Api;

/// <summary>
/// The OpenAPI document's security: the Functions host's keys and Entra ID bearer tokens, required per operation from the
/// function's <see cref="AuthLevel"/> (the host enforces it) and from whether the endpoint takes a bearer token as an identity.
/// </summary>
internal static class OpenApiSecurity
{
    public const string FunctionKeyHeader = "functionKey";
    public const string FunctionKeyQuery = "functionKeyQuery";
    public const string EntraBearer = "entraId";

    public static Task AddSchemesAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        AddSchemes(document);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Anonymous functions need nothing. Any other function needs a key, which the Functions host checks before Blueshift sees the
    /// call; an endpoint that identifies callers by Entra ID also takes a bearer token alongside the key.
    /// </summary>
    public static Task RequireAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<HttpFunction>().LastOrDefault() is not { } function || function.AuthLevel == AuthLevel.Anonymous)
        {
            return Task.CompletedTask;
        }
        var document = context.Document ?? throw new InvalidOperationException("The OpenAPI operation has no document to reference security schemes in.");
        AddSchemes(document);
        var requirements = new List<OpenApiSecurityRequirement>();
        var bearer = metadata.OfType<AcceptsEntraTokenMetadata>().Any();
        foreach (var key in new[] { FunctionKeyHeader, FunctionKeyQuery })
        {
            requirements.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(key, document)] = [] });
            if (bearer)
            {
                requirements.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(key, document)] = [],
                    [new OpenApiSecuritySchemeReference(EntraBearer, document)] = [],
                });
            }
        }
        operation.Security = requirements;
        return Task.CompletedTask;
    }

    // Idempotent, so operation transformers (which run before document transformers) can reference the schemes.
    private static void AddSchemes(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes.TryAdd(FunctionKeyHeader, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = CallerResolver.FunctionKeyHeader,
            Description = "A key of the function app, checked by the Functions host: the function's key or a host key for 'function' " +
                "operations, the master key for 'admin' ones. With Blueshift:Security:FunctionKeyCallerRoles set, a key alone also identifies a machine caller.",
        });
        document.Components.SecuritySchemes.TryAdd(FunctionKeyQuery, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "code",
            Description = "The same key as 'functionKey', in the 'code' query parameter (for callers that cannot set headers, such as webhooks).",
        });
        document.Components.SecuritySchemes.TryAdd(EntraBearer, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An Entra ID access token for Blueshift, identifying a person or service principal and carrying its Blueshift app roles. " +
                "Checked by App Service Authentication when enabled, else by Blueshift (Blueshift:Security:Entra). Sent with a key: the Functions host still requires one.",
        });
    }
}
