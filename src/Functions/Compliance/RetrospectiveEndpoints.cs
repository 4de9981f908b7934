using System.Text.RegularExpressions;
using Blueshift.Functions.Api;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Blueshift.Functions.Compliance;

/// <summary>What <c>POST /api/releases/{id}/retrospective</c> accepts.</summary>
/// <param name="Link">Where the retrospective's record is (minutes, post-incident review): an https URL.</param>
/// <param name="Comment">Optional, for the audit trail.</param>
public sealed record RetrospectiveBody(string? Link, string? Comment);

/// <summary>A retrospective as recorded.</summary>
public sealed record RetrospectiveView(string ReleaseId, string App, Uri Link, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>
/// The retrospective of a release (seed 000 §7.4: an emergency change owes one within a week). The audit trail keeps it
/// (<c>release.retrospective-recorded</c>, the link in its details); the governance check reads it there. Recording another
/// one later adds a record; the first counts.
/// </summary>
public static partial class RetrospectiveEndpoints
{
    public const string AuditAction = "release.retrospective-recorded";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ReleaseIdPattern();

    public static readonly HttpFunction Record = new("RecordRetrospective", "releases/{id}/retrospective", ["POST"], AuthLevel.Function);

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapHttpFunction(Record, RecordAsync)
            .WithTags("Releases")
            .WithSummary("Records the retrospective of a release (an emergency change owes one within a week)")
            .DescribesBody<RetrospectiveBody>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .WithResponseHeader(StatusCodes.Status201Created, "Location", "The release: /api/releases/{id}.")
            .RequireCaller(Roles.Releaser);

    public static async Task<Results<Created<RetrospectiveView>, ProblemHttpResult>> RecordAsync(
        string id, HttpContext context, IAuditTrail audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!ReleaseIdPattern().IsMatch(id))
        {
            return ApiProblems.NotFound("release", id);
        }
        var body = await JsonBody.ReadAsync<RetrospectiveBody>(context.Request, allowEmpty: false, cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var errors = new FieldErrors();
        var link = FieldRules.OutboundUri(errors, "link", body.Value!.Link, allowLoopbackHttp: false, required: true, "where the retrospective's record is");
        FieldRules.Text(errors, "comment", body.Value.Comment, 1000, required: false, "a comment for the audit trail");
        if (errors.Any)
        {
            return ApiProblems.Validation(errors.ToDictionary());
        }
        // Resolved only once the request is valid, so a refusal never reads a release.
        if (await context.RequestServices.GetRequiredService<IReleaseService>().GetAsync(id, cancellationToken) is not { } release)
        {
            return ApiProblems.NotFound("release", id);
        }
        var caller = context.GetCaller();
        var now = time.GetUtcNow();
        await audit.RecordAsync(new AuditRecord(now, caller.Id, AuditAction, release.App, release.Id,
            body.Value.Comment ?? $"Retrospective of release {release.Id} ({release.ChangeClass} change) recorded.", release.Id,
            new Dictionary<string, string> { ["link"] = link!.AbsoluteUri, ["changeClass"] = release.ChangeClass }), cancellationToken);
        return TypedResults.Created(ReleaseEndpoints.Location(release.Id), new RetrospectiveView(release.Id, release.App, link, caller.Id, now));
    }
}
