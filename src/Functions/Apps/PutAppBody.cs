using Blueshift.Functions.Api;

namespace Blueshift.Functions.Apps;

/// <summary>The body of <c>PUT /api/apps/{name}</c>; the name comes from the route.</summary>
/// <param name="ResourceId">ARM id of the production site: <c>/subscriptions/{guid}/resourceGroups/{group}/providers/Microsoft.Web/sites/{site}</c>.</param>
public sealed record PutAppBody(
    string? ResourceId,
    string? StagingSlot = null,
    string? HealthCheckPath = null,
    IReadOnlyList<SmokeTestBody?>? SmokeTests = null,
    PolicyBody? Policy = null,
    IReadOnlyList<NotificationBody?>? Notifications = null,
    string? Name = null);

/// <param name="BakeTime">ISO 8601 (<c>PT30M</c>) or <c>00:30:00</c>, 1 s to 24 h.</param>
/// <param name="MaxErrorRateRatio">The canary fails when its error rate exceeds the baseline's times this (1–100; default 2).</param>
/// <param name="MinErrorRateToFail">…and exceeds this fraction of requests (0 ≤ x &lt; 1; default 0.01 = 1 %).</param>
/// <param name="MaxLatencyRatio">The canary fails when its latency exceeds the baseline's times this (1–100; default 1.5).</param>
/// <param name="MinimumRequests">Fewer requests than this in a window make the analysis inconclusive (1–10,000,000).</param>
/// <param name="PostSwapWatch">How long production is watched after the swap (1 s to 24 h; default 10 min).</param>
/// <param name="AlertSeverityThreshold">Azure Monitor alerts of this severity or worse roll back (Sev0–Sev4).</param>
public sealed record PolicyBody(
    IReadOnlyList<int>? TrafficSteps = null,
    string? BakeTime = null,
    double? MaxErrorRateRatio = null,
    double? MinErrorRateToFail = null,
    double? MaxLatencyRatio = null,
    long? MinimumRequests = null,
    string? PostSwapWatch = null,
    string? AlertSeverityThreshold = null);

/// <param name="Kind"><c>webhook</c> or <c>eventgrid</c>.</param>
/// <param name="Endpoint">Absolute https URI; keys for it come from Blueshift's settings, never from here.</param>
public sealed record NotificationBody(string? Kind, string? Endpoint);

/// <summary>Pure shape and range checks of an app registration.</summary>
public static class ManagedAppValidation
{
    public const int MaxNotifications = 10;
    public static readonly IReadOnlyList<string> NotificationKinds = ["webhook", "eventgrid"];
    public static readonly IReadOnlyList<string> AlertSeverities = ["Sev0", "Sev1", "Sev2", "Sev3", "Sev4"];

    public static ManagedApp? Validate(string name, PutAppBody body, bool allowLoopbackHttp, out IDictionary<string, string[]> errors)
    {
        var e = new FieldErrors();
        FieldRules.AppName(e, "name", name);
        if (body.Name is not null && body.Name != name)
        {
            e.Add("name", $"The body names '{JsonBody.Printable(body.Name)}' but the URL names '{JsonBody.Printable(name)}'; leave the body's name out or make them equal.");
        }

        if (string.IsNullOrEmpty(body.ResourceId))
        {
            e.Add("resourceId", "Required: the ARM id of the production site.");
        }
        else if (!ResourceIds.IsSiteId(body.ResourceId))
        {
            e.Add("resourceId", ResourceIds.SiteKey(body.ResourceId) is not null
                ? "Name the production site, not a slot: drop the '/slots/…' part."
                : "Use '/subscriptions/{subscription guid}/resourceGroups/{group}/providers/Microsoft.Web/sites/{site}'.");
        }

        FieldRules.SlotName(e, "stagingSlot", body.StagingSlot);

        if (body.HealthCheckPath is not null && !FieldRules.IsRelativePath(body.HealthCheckPath))
        {
            e.Add("healthCheckPath", "Must be a path on the app starting with '/', e.g. '/health'.");
        }

        var smokeTests = FieldRules.SmokeTests(e, "smokeTests", body.SmokeTests);
        var policy = Policy(e, body.Policy);
        var notifications = Notifications(e, body.Notifications, allowLoopbackHttp);

        errors = e.ToDictionary();
        if (e.Any)
        {
            return null;
        }
        return new ManagedApp(
            name,
            body.ResourceId!,
            body.StagingSlot ?? "staging",
            body.HealthCheckPath ?? "/health",
            smokeTests,
            policy,
            notifications);
    }

    private static AppPolicyOverrides? Policy(FieldErrors e, PolicyBody? policy)
    {
        if (policy is null)
        {
            return null;
        }
        var steps = FieldRules.TrafficSteps(e, "policy.trafficSteps", policy.TrafficSteps);
        var bake = FieldRules.Duration(e, "policy.bakeTime", policy.BakeTime);
        Range(e, "policy.maxErrorRateRatio", policy.MaxErrorRateRatio, 1, 100);
        if (policy.MinErrorRateToFail is { } floor && (!double.IsFinite(floor) || floor is < 0 or >= 1))
        {
            e.Add("policy.minErrorRateToFail", "Must be a fraction from 0 up to (not including) 1; 0.01 means 1 %.");
        }
        Range(e, "policy.maxLatencyRatio", policy.MaxLatencyRatio, 1, 100);
        if (policy.MinimumRequests is < 1 or > 10_000_000)
        {
            e.Add("policy.minimumRequests", "Must be between 1 and 10000000.");
        }
        var watch = FieldRules.Duration(e, "policy.postSwapWatch", policy.PostSwapWatch);
        var severity = policy.AlertSeverityThreshold is null ? null : AlertSeverities.FirstOrDefault(s => s.Equals(policy.AlertSeverityThreshold, StringComparison.OrdinalIgnoreCase));
        if (policy.AlertSeverityThreshold is not null && severity is null)
        {
            e.Add("policy.alertSeverityThreshold", $"One of: {string.Join(", ", AlertSeverities)}.");
        }
        return new AppPolicyOverrides(steps, bake, policy.MaxErrorRateRatio, policy.MinErrorRateToFail, policy.MaxLatencyRatio, policy.MinimumRequests, watch, severity);
    }

    private static void Range(FieldErrors e, string field, double? value, double min, double max)
    {
        if (value is { } v && (!double.IsFinite(v) || v < min || v > max))
        {
            e.Add(field, $"Must be between {min} and {max}.");
        }
    }

    private static IReadOnlyList<NotificationTarget>? Notifications(FieldErrors e, IReadOnlyList<NotificationBody?>? targets, bool allowLoopbackHttp)
    {
        if (targets is null)
        {
            return null;
        }
        if (targets.Count > MaxNotifications)
        {
            e.Add("notifications", $"At most {MaxNotifications} notification targets.");
            return null;
        }
        var result = new List<NotificationTarget>(targets.Count);
        for (var i = 0; i < targets.Count; i++)
        {
            var at = $"notifications[{i}]";
            if (targets[i] is not { } target)
            {
                e.Add(at, "A notification target is an object: {\"kind\", \"endpoint\"}.");
                continue;
            }
            var kind = target.Kind is null ? null : NotificationKinds.FirstOrDefault(k => k.Equals(target.Kind, StringComparison.OrdinalIgnoreCase));
            if (kind is null)
            {
                e.Add($"{at}.kind", $"Required, one of: {string.Join(", ", NotificationKinds)}.");
            }
            var endpoint = FieldRules.OutboundUri(e, $"{at}.endpoint", target.Endpoint, allowLoopbackHttp, required: true, "where notifications are posted");
            if (kind is not null && endpoint is not null)
            {
                result.Add(new NotificationTarget(kind, endpoint));
            }
        }
        return result;
    }
}
