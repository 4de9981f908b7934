using Blueshift.Functions.Releases;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Blueshift.Functions.Api;

/// <summary>RFC 9457 problem details for every error the API returns: a title naming the problem, a detail saying what to do.</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult Problem(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    /// <summary>A 400 listing every invalid field, so a caller fixes all of them in one round trip.</summary>
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.Problem(
            detail: detail ?? "One or more fields are invalid; see 'errors' for what each one must be.",
            statusCode: StatusCodes.Status400BadRequest,
            title: "Invalid request",
            extensions: new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult NotFound(string what, string id) =>
        Problem(StatusCodes.Status404NotFound, $"Unknown {what}", $"No {what} has the id '{JsonBody.Printable(id)}'.");

    public static ProblemHttpResult Unauthorized(string detail) =>
        Problem(StatusCodes.Status401Unauthorized, "Authentication required", detail);

    public static ProblemHttpResult Forbidden(string detail) =>
        Problem(StatusCodes.Status403Forbidden, "Permission denied", detail);

    /// <summary>The engine's refusal, as problem details; a conflict names the release that holds the app.</summary>
    public static ProblemHttpResult FromRejected(ReleaseCommandResult.Rejected rejected)
    {
        var extensions = new Dictionary<string, object?>();
        if (rejected.ActiveReleaseId is not null)
        {
            extensions["activeReleaseId"] = rejected.ActiveReleaseId;
        }
        if (rejected.Errors is { Count: > 0 })
        {
            extensions["errors"] = rejected.Errors;
        }
        var status = rejected.Status is >= 400 and < 500 ? rejected.Status : StatusCodes.Status400BadRequest;
        return TypedResults.Problem(detail: rejected.Detail, statusCode: status, title: rejected.Title, extensions: extensions);
    }
}
