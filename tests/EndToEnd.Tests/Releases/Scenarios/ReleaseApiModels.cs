using System.Net;
using System.Text.Json;

namespace Blueshift.EndToEnd.Tests.Releases.Scenarios;

// The releases API as a client reads it off the wire: only the fields these scenarios look at, so the tests hold to the
// HTTP contract and not to the types that serve it.

/// <summary><c>GET /api/releases/{id}</c>.</summary>
internal sealed record ReleaseResource(
    string Id,
    string App,
    string Version,
    string Status,
    string Phase,
    int TrafficPercent,
    string RequestedBy,
    string? StatusReason,
    IReadOnlyList<ApprovalResource> Approvals,
    IReadOnlyList<AnalysisResource> Analyses,
    IReadOnlyList<TimelineResource> Timeline)
{
    public bool HasEnded => Status != "Active";

    /// <summary>The release's story, for assertion messages.</summary>
    public string Story =>
        $"{Id} is {Status} ({Phase}, {TrafficPercent} %): {StatusReason}\n" +
        string.Join("\n", Timeline.Select(e => $"  {e.At:HH:mm:ss.fff} {e.Phase} {e.TrafficPercent}% {e.Message}"));
}

internal sealed record ApprovalResource(string Approver, string Role, string? Comment);

internal sealed record AnalysisResource(string Kind, int TrafficPercent, DateTimeOffset At, string Outcome, string Summary, IReadOnlyList<CheckResource> Checks);

internal sealed record CheckResource(string Metric, double? Measured, double? Baseline, double? Threshold, string Outcome);

internal sealed record TimelineResource(DateTimeOffset At, string Phase, string Message, int TrafficPercent);

/// <summary>One record of <c>GET /api/audit</c>.</summary>
internal sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string? App, string? ReleaseId, string? Reason, IReadOnlyDictionary<string, string>? Details);

internal sealed record AuditPageResource(IReadOnlyList<AuditEntry> Records, bool Truncated);

/// <summary>An answer of the API: its status, headers and body, kept after the response is disposed.</summary>
internal sealed record ApiAnswer(HttpStatusCode Status, string? ContentType, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<ApiAnswer> ReadAsync(HttpResponseMessage response)
    {
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new ApiAnswer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, headers, await response.Content.ReadAsStringAsync());
    }

    public T As<T>() => JsonSerializer.Deserialize<T>(Body, Json) ?? throw new InvalidOperationException($"The answer has no body: {this}");

    public ReleaseResource Release => As<ReleaseResource>();

    /// <summary>The problem details (RFC 9457) of a refusal.</summary>
    public JsonElement Problem
    {
        get
        {
            Xunit.Assert.True(ContentType == "application/problem+json", $"Expected problem details, got {(int)Status} {ContentType}: {Body}");
            return JsonDocument.Parse(Body).RootElement;
        }
    }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => $"{(int)Status} {ContentType} {Body}";
}
