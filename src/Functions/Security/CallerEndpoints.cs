using Blueshift.Functions.Api;

namespace Blueshift.Functions.Security;

/// <summary>Identity and role checks for the API's endpoints; they run before the body is read, so a refused caller learns nothing about validation.</summary>
public static class CallerEndpoints
{
    private static readonly object CallerKey = new();

    /// <summary>Requires an identified caller (401 otherwise) holding <paramref name="role"/> when one is given (403 otherwise).</summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder, string? role = null)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var resolution = await http.RequestServices.GetRequiredService<CallerResolver>().ResolveAsync(http.Request, http.RequestAborted);
            if (resolution.Caller is not { } caller)
            {
                SecurityLog.CallerRefused(http.RequestServices.GetRequiredService<ILogger<CallerResolver>>(), http.Request.Method, http.Request.Path);
                return ApiProblems.Unauthorized(resolution.Failure!);
            }
            if (role is not null && !caller.IsInRole(role))
            {
                SecurityLog.RoleMissing(http.RequestServices.GetRequiredService<ILogger<CallerResolver>>(), caller.Id, role, http.Request.Method, http.Request.Path);
                return ApiProblems.Forbidden($"This operation needs the '{role}' role, which '{caller.DisplayName}' does not hold; ask an administrator to assign the Entra ID app role.");
            }
            http.Items[CallerKey] = caller;
            return await next(context);
        });
        builder.WithMetadata(new CallerRequirement(role)).AcceptsEntraToken().ProducesProblem(StatusCodes.Status401Unauthorized);
        if (role is not null)
        {
            builder.ProducesProblem(StatusCodes.Status403Forbidden);
        }
        return builder;
    }

    /// <summary>Declares that the endpoint identifies callers by an Entra ID bearer token, for the OpenAPI document's security requirements.</summary>
    public static TBuilder AcceptsEntraToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AcceptsEntraTokenMetadata());

    /// <summary>The caller established by <see cref="RequireCaller{TBuilder}"/>.</summary>
    public static Caller GetCaller(this HttpContext context) =>
        context.Items[CallerKey] as Caller
        ?? throw new InvalidOperationException("No caller on this request: the endpoint must be declared with RequireCaller().");
}

/// <summary>Endpoint metadata: which role an endpoint needs (null: any identified caller), for the OpenAPI document and tests.</summary>
public sealed record CallerRequirement(string? Role);

/// <summary>Endpoint metadata: an Entra ID bearer token is one way to call the endpoint (with the Functions host's key).</summary>
public sealed record AcceptsEntraTokenMetadata;
