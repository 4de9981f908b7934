using System.Globalization;
using System.Text.RegularExpressions;
using Blueshift.Functions.Api;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using NCrontab;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// The compliance API: findings (<c>GET /api/compliance/findings</c>, paged), each job's schedule and last run
/// (<c>GET /api/compliance/status</c>), and running a job now (<c>POST /api/compliance/jobs/{job}/run</c>, admin only).
/// </summary>
public static partial class ComplianceEndpoints
{
    public static readonly HttpFunction Findings = new("ListComplianceFindings", "compliance/findings", ["GET"], AuthLevel.Function);
    public static readonly HttpFunction Status = new("GetComplianceStatus", "compliance/status", ["GET"], AuthLevel.Function);
    public static readonly HttpFunction RunJob = new("RunComplianceJobNow", "compliance/jobs/{job}/run", ["POST"], AuthLevel.Admin);

    public const string StatusLocation = "/api/compliance/status";

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex KindPattern();

    private static readonly CrontabSchedule.ParseOptions SixFields = new() { IncludingSeconds = true };

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHttpFunction(Findings, ListFindingsAsync)
            .WithTags("Compliance")
            .WithSummary("Lists compliance findings, optionally of one app, kind, status (open, resolved) and job, a page at a time")
            .WithDescription("Pass the answer's continuationToken back as 'continuationToken' for the next page; a page may hold fewer than pageSize findings and still have a next one.")
            .ProducesProblems(StatusCodes.Status400BadRequest)
            .RequireCaller();

        endpoints.MapHttpFunction(Status, GetStatusAsync)
            .WithTags("Compliance")
            .WithSummary("Each compliance job: its schedule, its next run, and its last run's start, end, result and tallies")
            .RequireCaller();

        endpoints.MapHttpFunction(RunJob, RunJobAsync)
            .WithTags("Compliance")
            .WithSummary("Runs a compliance job now (admin; the Functions host also asks for the master key)")
            .WithDescription("409 while a run of the job is pending or running. The run's progress and result appear in GET /api/compliance/status.")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .WithResponseHeader(StatusCodes.Status202Accepted, "Location", "The compliance status: " + StatusLocation + ".")
            .RequireCaller(Roles.Admin);
    }

    public static async Task<Results<Ok<FindingsPage>, ProblemHttpResult>> ListFindingsAsync(
        string? app, string? kind, string? status, string? job, string? pageSize, string? continuationToken,
        IComplianceFindingStore store, IOptions<ComplianceOptions> options, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (app is not null && !FieldRules.IsAppName(app))
        {
            errors.Add("app", "Use a managed app's name: lowercase letters, digits and hyphens.");
        }
        if (kind is not null && !KindPattern().IsMatch(kind))
        {
            errors.Add("kind", "Use a finding kind such as 'backup-rpo.breach': lowercase letters, digits, '.' and '-', at most 100.");
        }
        FindingStatus? statusValue = status switch
        {
            null => null,
            _ when string.Equals(status, "open", StringComparison.OrdinalIgnoreCase) => FindingStatus.Open,
            _ when string.Equals(status, "resolved", StringComparison.OrdinalIgnoreCase) => FindingStatus.Resolved,
            _ => null,
        };
        if (status is not null && statusValue is null)
        {
            errors.Add("status", "One of: open, resolved.");
        }
        string? jobName = null;
        if (job is not null)
        {
            if (ComplianceJobs.TryParse(job, out var parsed))
            {
                jobName = ComplianceJobs.Name(parsed);
            }
            else
            {
                errors.Add("job", $"One of: {string.Join(", ", ComplianceJobs.All.Select(ComplianceJobs.Name))}.");
            }
        }
        var max = options.Value.MaxPageSize;
        var size = max;
        if (pageSize is not null && (!int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > max))
        {
            errors.Add("pageSize", $"A whole number from 1 to {max}.");
        }
        if (continuationToken is not null && continuationToken.Length == 0)
        {
            errors.Add("continuationToken", "Leave it out for the first page; otherwise pass the token of the page before.");
        }
        if (errors.Any)
        {
            return ApiProblems.Validation(errors.ToDictionary());
        }

        FindingPage page;
        try
        {
            page = await store.QueryAsync(new FindingQuery(app, kind, statusValue, jobName), continuationToken, size, cancellationToken);
        }
        catch (FormatException)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]>
            {
                ["continuationToken"] = ["Not a token this API gave out: pass the continuationToken of the page before, unchanged."],
            });
        }
        return TypedResults.Ok(new FindingsPage([.. page.Findings.Select(FindingView.From)], page.ContinuationToken));
    }

    public static async Task<Ok<ComplianceStatus>> GetStatusAsync(
        ComplianceRunStore runs, IConfiguration configuration, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var last = await runs.ListAsync(cancellationToken);
        var jobs = ComplianceJobs.All.Select(job =>
        {
            // What the timer runs on is the setting itself: in Azure a timer whose %setting% is missing fails at indexing
            // and never runs, so the status says so instead of showing the default as if it ran.
            var setting = ComplianceJobs.ScheduleSetting(job);
            var schedule = configuration[setting] is { } set && !string.IsNullOrWhiteSpace(set) ? set.Trim() : null;
            var next = schedule is null ? null : NextRun(schedule, now);
            var problem = schedule is null
                ? $"The app setting {setting.Replace(":", "__", StringComparison.Ordinal)} is not set, so this job's timer does not run; set it to a six-field NCRONTAB schedule, e.g. '{ComplianceJobs.DefaultSchedule(job)}'."
                : next is null
                    ? $"The app setting {setting.Replace(":", "__", StringComparison.Ordinal)} is not a six-field NCRONTAB schedule ('{{second}} {{minute}} {{hour}} {{day}} {{month}} {{day of week}}'), so this job's timer does not run."
                    : null;
            return new ComplianceJobStatus(
                ComplianceJobs.Name(job),
                schedule,
                next,
                last.TryGetValue(job, out var run) ? ComplianceRunView.From(run) : null,
                problem);
        }).ToList();
        return TypedResults.Ok(new ComplianceStatus(now, jobs));
    }

    public static async Task<Results<Accepted<ComplianceRunAccepted>, ProblemHttpResult>> RunJobAsync(
        string job, HttpContext context, ComplianceJobRuns jobRuns, IAuditTrail audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!ComplianceJobs.TryParse(job, out var parsed))
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "Unknown compliance job",
                $"No compliance job is named '{JsonBody.Printable(job)}'; the jobs are {string.Join(", ", ComplianceJobs.All.Select(ComplianceJobs.Name))}.");
        }
        var name = ComplianceJobs.Name(parsed);
        var client = context.RequestServices.GetRequiredService<DurableClientAccessor>().Current;
        var start = await jobRuns.StartAsync(client, parsed, cancellationToken);
        if (!start.Started)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "Compliance job already running",
                $"A run of {name} ({start.RunId ?? start.InstanceId}) is pending or running; wait for it to end (GET {StatusLocation}).",
                new Dictionary<string, object?> { ["runId"] = start.RunId });
        }
        var caller = context.GetCaller();
        await audit.RecordAsync(new AuditRecord(time.GetUtcNow(), caller.Id, "compliance.job-run-requested", null, null, null, start.RunId!,
            new Dictionary<string, string> { ["job"] = name }), cancellationToken);
        return TypedResults.Accepted(StatusLocation, new ComplianceRunAccepted(name, start.RunId!, start.InstanceId));
    }

    /// <summary>The next occurrence of a six-field NCRONTAB schedule after <paramref name="now"/> (UTC); null when it does not parse.</summary>
    public static DateTimeOffset? NextRun(string schedule, DateTimeOffset now) =>
        CrontabSchedule.TryParse(schedule, SixFields) is { } parsed
            ? new DateTimeOffset(DateTime.SpecifyKind(parsed.GetNextOccurrence(now.UtcDateTime), DateTimeKind.Utc))
            : null;
}

/// <summary>A finding as the API shows it.</summary>
public sealed record FindingView(
    string App, string Job, string Kind, string Subject, string Severity, string Status, string Summary,
    IReadOnlyDictionary<string, string> Evidence, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset? ResolvedAt, string LastRunId)
{
    public static FindingView From(ComplianceFinding f) => new(
        f.App, f.Job, f.Kind, f.Subject, f.Severity.ToString(), f.Status.ToString().ToLowerInvariant(), f.Summary,
        f.Evidence, f.FirstSeen, f.LastSeen, f.ResolvedAt, f.LastRunId);
}

/// <param name="ContinuationToken">Pass it back for the next page; null when this is the last.</param>
public sealed record FindingsPage(IReadOnlyList<FindingView> Findings, string? ContinuationToken);

public sealed record ComplianceStatus(DateTimeOffset Now, IReadOnlyList<ComplianceJobStatus> Jobs);

/// <param name="Schedule">The schedule the job's timer is configured with; null when its app setting is missing.</param>
/// <param name="NextRun">The schedule's next occurrence (UTC); null when the schedule is missing or does not parse.</param>
/// <param name="Problem">Why the timer does not run (its schedule setting is missing or does not parse), naming the setting; null when it runs.</param>
public sealed record ComplianceJobStatus(string Job, string? Schedule, DateTimeOffset? NextRun, ComplianceRunView? LastRun, string? Problem = null);

/// <param name="Result"><c>running</c>, <c>succeeded</c> or <c>failed</c>.</param>
public sealed record ComplianceRunView(string RunId, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string Result, ComplianceTallies Tallies, string? Error)
{
    public static ComplianceRunView From(ComplianceRunRecord run) =>
        new(run.RunId, run.StartedAt, run.EndedAt, run.Status.ToString().ToLowerInvariant(), run.Tallies, run.Error);
}

public sealed record ComplianceRunAccepted(string Job, string RunId, string InstanceId);

/// <summary>The compliance API in the function catalog.</summary>
public sealed class ComplianceApiModule : IFunctionModule
{
    public void Map(IEndpointRouteBuilder endpoints) => ComplianceEndpoints.Map(endpoints);
}
