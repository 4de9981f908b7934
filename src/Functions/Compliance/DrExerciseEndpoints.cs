using System.Globalization;
using System.Text.RegularExpressions;
using Blueshift.Domain.Compliance;
using Blueshift.Functions.Api;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Compliance;

/// <summary>What <c>POST /api/compliance/dr-exercises</c> accepts.</summary>
/// <param name="Activity"><c>tabletop-exercise</c>, <c>full-dr-test</c>, <c>restore-test</c> or <c>backup-verification</c>.</param>
/// <param name="App">The managed app it covered; leave it out for an exercise that covered every app.</param>
/// <param name="PerformedAt">When it was done: an ISO 8601 instant, not in the future.</param>
/// <param name="PerformedBy">Who did it (a person or a team).</param>
/// <param name="EvidenceLink">Where its record is (minutes, report, ticket): an https URL.</param>
public sealed record DrExerciseBody(string? Activity, string? App, string? PerformedAt, string? PerformedBy, string? EvidenceLink);

/// <summary>A recorded DR exercise as the API shows it.</summary>
/// <param name="App">Null: the exercise covered every app.</param>
public sealed record DrExerciseView(string Activity, string? App, DateTimeOffset PerformedAt, string PerformedBy, Uri? EvidenceLink, string RecordedBy, DateTimeOffset RecordedAt)
{
    public static DrExerciseView From(DrExercise exercise) => new(
        DrActivities.Name(exercise.Activity), exercise.App, exercise.PerformedAt, exercise.PerformedBy, exercise.EvidenceLink, exercise.RecordedBy, exercise.RecordedAt);
}

/// <summary>An answer of <c>GET /api/compliance/dr-exercises</c>, newest first.</summary>
public sealed record DrExercisePage(string? App, IReadOnlyList<DrExerciseView> Exercises, bool Truncated);

/// <summary>
/// DR exercises done by people (seed 000 §11.4): <c>POST /api/compliance/dr-exercises</c> records one, <c>GET</c> lists them.
/// The DR reminders check reads them; Blueshift records its own backup verifications there too.
/// </summary>
public static partial class DrExerciseEndpoints
{
    public const string AuditAction = "compliance.dr-exercise-recorded";
    public const int MaxListed = 200;
    public const int MaxPerformedByLength = 200;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoInstantPattern();

    public static readonly HttpFunction Record = new("RecordDrExercise", "compliance/dr-exercises", ["POST"], AuthLevel.Function);
    public static readonly HttpFunction List = new("ListDrExercises", "compliance/dr-exercises", ["GET"], AuthLevel.Function);

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHttpFunction(Record, RecordAsync)
            .WithTags("Compliance")
            .WithSummary("Records a DR exercise done: a tabletop exercise, a full DR test, a restore test or a backup verification")
            .WithDescription("The DR reminders job counts it from the time it was performed: the tabletop exercise is due quarterly, the full DR test yearly.")
            .DescribesBody<DrExerciseBody>()
            // 404: 'app' names no managed app.
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .WithResponseHeader(StatusCodes.Status201Created, "Location", "The exercises of the app: /api/compliance/dr-exercises?app={app}.")
            .RequireCaller(Roles.Releaser);

        endpoints.MapHttpFunction(List, ListAsync)
            .WithTags("Compliance")
            .WithSummary("Lists recorded DR exercises, newest first: those of one app (and those that covered every app), or all")
            .ProducesProblems(StatusCodes.Status400BadRequest)
            .RequireCaller();
    }

    public static async Task<Results<Created<DrExerciseView>, ProblemHttpResult>> RecordAsync(
        HttpContext context, IManagedAppStore apps, IDrExerciseStore store, IAuditTrail audit, IOptions<DrExerciseOptions> options, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<DrExerciseBody>(context.Request, allowEmpty: false, cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var now = time.GetUtcNow();
        var caller = context.GetCaller();
        var exercise = Validate(body.Value!, now, options.Value.MaxClockSkew, caller.Id, out var errors);
        if (exercise is null)
        {
            return ApiProblems.Validation(errors);
        }
        if (exercise.App is { } name && await apps.GetAsync(name, cancellationToken) is null)
        {
            return ApiProblems.NotFound("app", name);
        }

        await store.RecordAsync(exercise, cancellationToken);
        var details = new Dictionary<string, string>
        {
            ["activity"] = DrActivities.Name(exercise.Activity),
            ["performedAt"] = exercise.PerformedAt.ToString("O", CultureInfo.InvariantCulture),
            ["performedBy"] = exercise.PerformedBy,
            ["evidenceLink"] = exercise.EvidenceLink!.AbsoluteUri,
            ["scope"] = exercise.App ?? "all apps",
        };
        await audit.RecordAsync(new AuditRecord(now, caller.Id, AuditAction, exercise.App, ReleaseId: null,
            $"{DrActivities.Name(exercise.Activity)} performed by {exercise.PerformedBy} at {exercise.PerformedAt:u}.", context.TraceIdentifier, details), cancellationToken);
        var location = exercise.App is null ? FunctionEndpoints.PathOf(List) : $"{FunctionEndpoints.PathOf(List)}?app={Uri.EscapeDataString(exercise.App)}";
        return TypedResults.Created(location, DrExerciseView.From(exercise));
    }

    public static async Task<Results<Ok<DrExercisePage>, ProblemHttpResult>> ListAsync(
        string? app, IDrExerciseHistory history, CancellationToken cancellationToken)
    {
        if (app is not null && !FieldRules.IsAppName(app))
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["app"] = ["Use a managed app's name: lowercase letters, digits and hyphens."] });
        }
        var exercises = await history.ListAsync(app, MaxListed + 1, cancellationToken);
        return TypedResults.Ok(new DrExercisePage(app, [.. exercises.Take(MaxListed).Select(DrExerciseView.From)], exercises.Count > MaxListed));
    }

    /// <summary>Checks the body's shape; pure, so its rules are tested without a server. Null when a field is wrong.</summary>
    public static DrExercise? Validate(DrExerciseBody body, DateTimeOffset now, TimeSpan maxClockSkew, string recordedBy, out IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(body);
        var e = new FieldErrors();
        if (!DrActivities.TryParse(body.Activity, out var activity))
        {
            e.Add("activity", $"Required, one of: {string.Join(", ", DrActivities.Names)}.");
        }
        if (body.App is not null)
        {
            FieldRules.AppName(e, "app", body.App);
        }
        DateTimeOffset performedAt = default;
        if (string.IsNullOrEmpty(body.PerformedAt))
        {
            e.Add("performedAt", "Required: when the exercise was done, as an ISO 8601 instant with its offset, such as '2026-03-05T14:00:00Z'.");
        }
        else if (!IsoInstantPattern().IsMatch(body.PerformedAt)
            || !DateTimeOffset.TryParse(body.PerformedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out performedAt))
        {
            e.Add("performedAt", "Use an ISO 8601 instant with its offset, such as '2026-03-05T14:00:00Z'.");
        }
        else if (performedAt > now + maxClockSkew)
        {
            e.Add("performedAt", $"Must not be in the future (now is {now:u}); record an exercise once it is done.");
        }
        FieldRules.Text(e, "performedBy", body.PerformedBy, MaxPerformedByLength, required: true, "who did the exercise (a person or a team)");
        var evidence = FieldRules.OutboundUri(e, "evidenceLink", body.EvidenceLink, allowLoopbackHttp: false, required: true,
            "where the exercise's record is (minutes, report, ticket)");
        errors = e.ToDictionary();
        return e.Any
            ? null
            : new DrExercise(activity, body.App, performedAt.ToUniversalTime(), body.PerformedBy!.Trim(), evidence, recordedBy, now);
    }
}
