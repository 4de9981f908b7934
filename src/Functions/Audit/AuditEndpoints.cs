using System.Globalization;
using System.Text.RegularExpressions;
using Blueshift.Functions.Api;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Audit;

/// <summary>Reading the audit trail: <c>GET /api/audit?app=&amp;from=&amp;to=</c>.</summary>
public static partial class AuditEndpoints
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoInstantPattern();

    public static readonly HttpFunction Query = new("QueryAudit", "audit", ["GET"], AuthLevel.Function);

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHttpFunction(Query, QueryAsync)
            .WithTags("Audit")
            .WithSummary("Reads audit records, oldest first: who did what, why and when")
            .WithDescription("'from' and 'to' are ISO 8601 instants (default: the last 24 hours); a query spans at most the configured maximum range.")
            .ProducesProblems(StatusCodes.Status400BadRequest)
            .RequireCaller();
    }

    public static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> QueryAsync(
        string? app, string? from, string? to, IAuditTrail audit, IOptions<ApiOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var window = Window(app, from, to, time.GetUtcNow(), options.Value.MaxAuditRange, out var errors);
        if (window is not { } range)
        {
            return ApiProblems.Validation(errors);
        }

        var limit = options.Value.MaxAuditRecords;
        var records = new List<AuditRecord>();
        var truncated = false;
        await foreach (var record in audit.QueryAsync(app, range.From, range.To, cancellationToken))
        {
            if (records.Count == limit)
            {
                truncated = true;
                break;
            }
            records.Add(record);
        }
        return TypedResults.Ok(new AuditPage(app, range.From, range.To, records, truncated));
    }

    /// <summary>Checks and defaults the query window; pure, so its rules are tested without a server.</summary>
    public static (DateTimeOffset From, DateTimeOffset To)? Window(
        string? app, string? from, string? to, DateTimeOffset now, TimeSpan maxRange, out IDictionary<string, string[]> errors)
    {
        var e = new FieldErrors();
        if (app is not null && !FieldRules.IsAppName(app))
        {
            e.Add("app", "Use a managed app's name: lowercase letters, digits and hyphens.");
        }
        var toValue = Instant(e, "to", to) ?? now;
        // Near the start of the calendar the default window is cut at its first instant instead of underflowing.
        var fromValue = Instant(e, "from", from)
            ?? (toValue - DateTimeOffset.MinValue > DefaultWindow ? toValue - DefaultWindow : DateTimeOffset.MinValue);
        if (!e.Any)
        {
            if (fromValue >= toValue)
            {
                e.Add("from", "Must be earlier than 'to'.");
            }
            else if (toValue - fromValue > maxRange)
            {
                e.Add("to", $"The range may span at most {maxRange.TotalDays:0.##} days; query in smaller windows.");
            }
        }
        errors = e.ToDictionary();
        return e.Any ? null : (fromValue, toValue);
    }

    private static DateTimeOffset? Instant(FieldErrors e, string field, string? value)
    {
        if (value is null)
        {
            return null;
        }
        if (!IsoInstantPattern().IsMatch(value)
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            e.Add(field, "Use an ISO 8601 instant such as '2026-01-05T09:00:00Z' (UTC is assumed without an offset).");
            return null;
        }
        return instant;
    }
}

/// <summary>One answer of the audit query. <paramref name="Truncated"/>: more records matched; narrow the window.</summary>
public sealed record AuditPage(string? App, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<AuditRecord> Records, bool Truncated);
