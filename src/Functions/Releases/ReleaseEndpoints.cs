using System.Text.RegularExpressions;
using Blueshift.Functions.Api;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Releases;

/// <summary>The releases resource: <c>/api/releases</c>. The release orchestrations decide; this layer checks shape, identity and roles.</summary>
public static partial class ReleaseEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ReleaseIdPattern();

    [GeneratedRegex("^[\\x21-\\x7E]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdempotencyKeyPattern();

    public static readonly HttpFunction Start = new("StartRelease", "releases", ["POST"], AuthLevel.Function);
    public static readonly HttpFunction List = new("ListReleases", "releases", ["GET"], AuthLevel.Function);
    public static readonly HttpFunction Get = new("GetRelease", "releases/{id}", ["GET"], AuthLevel.Function);
    public static readonly HttpFunction Approve = new("ApproveRelease", "releases/{id}/approvals", ["POST"], AuthLevel.Function);
    public static readonly HttpFunction Abort = new("AbortRelease", "releases/{id}/abort", ["POST"], AuthLevel.Function);
    public static readonly HttpFunction Promote = new("PromoteRelease", "releases/{id}/promote", ["POST"], AuthLevel.Function);
    public static readonly HttpFunction Rollback = new("RollBackRelease", "releases/{id}/rollback", ["POST"], AuthLevel.Function);

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHttpFunction(Start, StartAsync)
            .WithTags("Releases")
            .WithSummary("Requests a release of a managed app")
            .WithDescription("Accepted releases run asynchronously; poll the Location. Send an Idempotency-Key header to make retries safe.")
            .DescribesBody<StartReleaseBody>()
            .WithRequestHeader(IdempotencyKeyHeader, "1–128 visible ASCII characters (a UUID is a good choice): a retry with the same key and body answers with the same release.")
            // 404: the app is not registered; 422: its policy cannot run this request, or the Idempotency-Key was used for another body.
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity)
            .WithResponseHeader(StatusCodes.Status202Accepted, "Location", "The release: /api/releases/{id}.")
            .WithResponseHeader(StatusCodes.Status202Accepted, ReplayedHeader, "'true' when an earlier request with this Idempotency-Key started the release.")
            .RequireCaller(Roles.Releaser);

        endpoints.MapHttpFunction(List, ListAsync)
            .WithTags("Releases")
            .WithSummary("Lists releases, optionally of one app and in one status")
            .ProducesProblems(StatusCodes.Status400BadRequest)
            .RequireCaller();

        endpoints.MapHttpFunction(Get, GetAsync)
            .WithTags("Releases")
            .WithSummary("Reads a release: phase, traffic, approvals, analyses and timeline")
            .ProducesProblems(StatusCodes.Status404NotFound)
            .RequireCaller();

        endpoints.MapHttpFunction(Approve, ApproveAsync)
            .WithTags("Releases")
            .WithSummary("Grants one approval the release's change control asks for")
            .DescribesBody<ApprovalBody>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .RequireCaller(Roles.Approver);

        MapCommand(endpoints, Abort, AbortAsync, "Stops a release and returns all traffic to production");
        MapCommand(endpoints, Promote, PromoteAsync, "Ends the current bake early; every check still runs");
        MapCommand(endpoints, Rollback, RollbackAsync, "Rolls a release back at once (reason required)");
    }

    private static void MapCommand(IEndpointRouteBuilder endpoints, HttpFunction function, Delegate handler, string summary) =>
        endpoints.MapHttpFunction(function, handler)
            .WithTags("Releases")
            .WithSummary(summary)
            .DescribesBody<ReasonBody>(required: function == Rollback)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .WithResponseHeader(StatusCodes.Status202Accepted, "Location", "The release: /api/releases/{id}.")
            .RequireCaller(Roles.Releaser);

    public static async Task<Results<Accepted<ReleaseView>, ProblemHttpResult>> StartAsync(
        HttpContext context, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        string? idempotencyKey = null;
        if (context.Request.Headers.TryGetValue(IdempotencyKeyHeader, out var keys))
        {
            if (keys.Count != 1 || keys[0] is not { } key || !IdempotencyKeyPattern().IsMatch(key))
            {
                return ApiProblems.Validation(
                    new Dictionary<string, string[]> { [IdempotencyKeyHeader] = ["Send one key of 1–128 visible ASCII characters (a UUID is a good choice)."] });
            }
            idempotencyKey = key;
        }

        var body = await JsonBody.ReadAsync<StartReleaseBody>(context.Request, allowEmpty: false, cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var request = StartReleaseValidation.Validate(body.Value!, options.Value.AllowLoopbackHttp, out var errors);
        if (request is null)
        {
            return ApiProblems.Validation(errors);
        }

        var result = await Engine(context).StartAsync(request, context.GetCaller(), idempotencyKey, cancellationToken);
        return Accept(context, result);
    }

    public static async Task<Results<Ok<IReadOnlyList<ReleaseView>>, ProblemHttpResult>> ListAsync(
        string? app, string? status, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (app is not null && !FieldRules.IsAppName(app))
        {
            errors.Add("app", "Use a managed app's name: lowercase letters, digits and hyphens.");
        }
        var canonicalStatus = ReleaseVocabulary.Canonical(ReleaseVocabulary.Statuses, status);
        if (status is not null && canonicalStatus is null)
        {
            errors.Add("status", $"One of: {string.Join(", ", ReleaseVocabulary.Statuses)}.");
        }
        if (errors.Any)
        {
            return ApiProblems.Validation(errors.ToDictionary());
        }
        return TypedResults.Ok(await Engine(context).ListAsync(app, canonicalStatus, cancellationToken));
    }

    public static async Task<Results<Ok<ReleaseView>, ProblemHttpResult>> GetAsync(
        string id, HttpContext context, CancellationToken cancellationToken)
    {
        if (!ReleaseIdPattern().IsMatch(id) || await Engine(context).GetAsync(id, cancellationToken) is not { } release)
        {
            return ApiProblems.NotFound("release", id);
        }
        return TypedResults.Ok(release);
    }

    public static async Task<Results<Ok<ReleaseView>, ProblemHttpResult>> ApproveAsync(
        string id, HttpContext context, CancellationToken cancellationToken)
    {
        if (!ReleaseIdPattern().IsMatch(id))
        {
            return ApiProblems.NotFound("release", id);
        }
        var body = await JsonBody.ReadAsync<ApprovalBody>(context.Request, allowEmpty: false, cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var errors = new FieldErrors();
        var role = BlueshiftRoles.CanonicalApprovalRole(body.Value!.Role);
        if (role is null)
        {
            errors.Add("role", $"Required, the approval you grant: one of {string.Join(", ", BlueshiftRoles.ApprovalRoleNames)}.");
        }
        FieldRules.Text(errors, "comment", body.Value.Comment, 1000, required: false, "a comment for the audit trail");
        if (errors.Any)
        {
            return ApiProblems.Validation(errors.ToDictionary());
        }

        var caller = context.GetCaller();
        if (!BlueshiftRoles.MayGrant(caller, role!))
        {
            return ApiProblems.Forbidden($"Granting the {role} approval needs the '{BlueshiftRoles.ForApproval(role!)}' role, which '{caller.DisplayName}' does not hold.");
        }

        var result = await Engine(context).ApproveAsync(id, caller, role!, body.Value.Comment, cancellationToken);
        return result switch
        {
            ReleaseCommandResult.Accepted accepted => TypedResults.Ok(accepted.Release),
            ReleaseCommandResult.Rejected rejected => ApiProblems.FromRejected(rejected),
            _ => throw new InvalidOperationException($"Unexpected command result {result.GetType().Name}."),
        };
    }

    public static Task<Results<Accepted<ReleaseView>, ProblemHttpResult>> AbortAsync(
        string id, HttpContext context, CancellationToken cancellationToken) =>
        CommandAsync(id, context, reasonRequired: false,
            (caller, reason) => Engine(context).AbortAsync(id, caller, reason, cancellationToken), cancellationToken);

    public static Task<Results<Accepted<ReleaseView>, ProblemHttpResult>> PromoteAsync(
        string id, HttpContext context, CancellationToken cancellationToken) =>
        CommandAsync(id, context, reasonRequired: false,
            (caller, reason) => Engine(context).PromoteAsync(id, caller, reason, cancellationToken), cancellationToken);

    public static Task<Results<Accepted<ReleaseView>, ProblemHttpResult>> RollbackAsync(
        string id, HttpContext context, CancellationToken cancellationToken) =>
        CommandAsync(id, context, reasonRequired: true,
            (caller, reason) => Engine(context).RollbackAsync(id, caller, reason!, cancellationToken), cancellationToken);

    private static async Task<Results<Accepted<ReleaseView>, ProblemHttpResult>> CommandAsync(
        string id, HttpContext context, bool reasonRequired, Func<Caller, string?, Task<ReleaseCommandResult>> command, CancellationToken cancellationToken)
    {
        if (!ReleaseIdPattern().IsMatch(id))
        {
            return ApiProblems.NotFound("release", id);
        }
        var body = await JsonBody.ReadAsync<ReasonBody>(context.Request, allowEmpty: !reasonRequired, cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var errors = new FieldErrors();
        FieldRules.Text(errors, "reason", body.Value?.Reason, StartReleaseValidation.MaxReasonLength, reasonRequired, "why, for the audit trail and the notification");
        if (errors.Any)
        {
            return ApiProblems.Validation(errors.ToDictionary());
        }
        return Accept(context, await command(context.GetCaller(), body.Value?.Reason));
    }

    private static Results<Accepted<ReleaseView>, ProblemHttpResult> Accept(HttpContext context, ReleaseCommandResult result)
    {
        switch (result)
        {
            case ReleaseCommandResult.Accepted accepted:
                if (accepted.Replayed)
                {
                    context.Response.Headers[ReplayedHeader] = "true";
                }
                return TypedResults.Accepted(Location(accepted.Release.Id), accepted.Release);
            case ReleaseCommandResult.Rejected rejected:
                return ApiProblems.FromRejected(rejected);
            default:
                throw new InvalidOperationException($"Unexpected command result {result.GetType().Name}.");
        }
    }

    // Resolved only once a request has passed identity and validation, so every refusal comes before any release is read.
    private static IReleaseService Engine(HttpContext context) => context.RequestServices.GetRequiredService<IReleaseService>();

    public static string Location(string releaseId) => $"/api/releases/{Uri.EscapeDataString(releaseId)}";
}
