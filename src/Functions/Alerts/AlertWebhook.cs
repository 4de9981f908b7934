using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using Blueshift.Domain.Alerts;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Releases;
using Blueshift.Functions.Security;
using Microsoft.Extensions.Caching.Memory;

namespace Blueshift.Functions.Alerts;

/// <summary>
/// Handles Azure Monitor alert deliveries: authenticates, parses, deduplicates, decides, rolls back through the release
/// engine at once, audits, and answers within the request. A valid alert is never answered 500: when storage or the engine
/// cannot finish in time the answer is 503 with Retry-After, which action groups retry.
/// </summary>
public sealed class AlertWebhook : IDisposable
{
    public const string ReplayedHeader = "Blueshift-Alert-Replayed";

    private readonly AlertWebhookOptions _options;
    private readonly AlertWebhookAuthentication _authentication;
    private readonly AlertClaims _claims;
    private readonly IManagedAppStore _apps;
    private readonly IReleaseService _releases;
    private readonly IAuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertWebhook> _logger;
    private readonly AlertParserLimits _limits;

    // Concurrent deliveries of one alert on this instance share one handling; answers are remembered so storms stay in memory.
    private readonly ConcurrentDictionary<AlertKey, Lazy<Task<Outcome>>> _inFlight = new();
    private readonly MemoryCache? _answers;

    public AlertWebhook(
        AlertWebhookOptions options,
        AlertWebhookAuthentication authentication,
        AlertClaims claims,
        IManagedAppStore apps,
        IReleaseService releases,
        IAuditTrail audit,
        TimeProvider time,
        ILogger<AlertWebhook> logger)
    {
        _options = options;
        _authentication = authentication;
        _claims = claims;
        _apps = apps;
        _releases = releases;
        _audit = audit;
        _time = time;
        _logger = logger;
        _limits = AlertParserLimits.Default with { MaxPayloadBytes = options.MaxBodyBytes };
        _answers = options.AnswerCacheSize > 0 && options.AnswerCacheTime > TimeSpan.Zero
            ? new MemoryCache(new MemoryCacheOptions { SizeLimit = options.AnswerCacheSize })
            : null;
    }

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var authentication = await _authentication.AuthenticateAsync(request, context.RequestAborted);
        if (authentication.Caller is not { } caller)
        {
            Log.Unauthenticated(_logger, authentication.Failure!);
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not authenticated", detail: authentication.Failure);
        }

        var body = await ReadBodyAsync(request, context.RequestAborted);
        if (body is null)
        {
            Log.PayloadTooLarge(_logger, _options.MaxBodyBytes);
            return Results.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Alert payload too large",
                detail: $"The alert webhook accepts bodies up to {_options.MaxBodyBytes} bytes; Azure Monitor's common alert schema payloads are far smaller.");
        }

        AlertParseResult parsed;
        using (body)
        {
            parsed = CommonAlertParser.Parse(body.Memory, _limits);
        }
        if (parsed is AlertParseResult.Invalid invalid)
        {
            Log.InvalidPayload(_logger, invalid.Errors.Count, invalid.Errors[0].Path);
            return Results.ValidationProblem(
                invalid.Errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                title: "Invalid alert payload",
                detail: "The body is not an Azure Monitor common alert schema payload; nothing was done. Enable the common alert schema on the action group.");
        }

        var alert = ((AlertParseResult.Parsed)parsed).Alert;
        var outcome = await ReceiveAsync(alert, caller, context.RequestAborted);
        switch (outcome)
        {
            case Outcome.Answered answered:
                if (answered.Replayed)
                {
                    context.Response.Headers[ReplayedHeader] = "true";
                }
                return Results.Json(answered.Answer, AlertAnswer.SerializerOptions);
            case Outcome.Unavailable unavailable:
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(_options.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Try again shortly", detail: unavailable.Detail);
            default:
                throw new InvalidOperationException($"Unexpected outcome {outcome}.");
        }
    }

    /// <summary>Handles one parsed alert; exposed for callers that already hold a parsed alert (and for measuring).</summary>
    public async Task<Outcome> ReceiveAsync(CommonAlert alert, Caller caller, CancellationToken cancellationToken)
    {
        var key = new AlertKey(alert.AlertId, alert.MonitorCondition.ToString());
        if (_answers?.TryGetValue(key, out AlertAnswer? remembered) == true)
        {
            return new Outcome.Answered(remembered!, Replayed: true);
        }

        var mine = new Lazy<Task<Outcome>>(() => HandleOnceAsync(key, alert, caller));
        var handling = _inFlight.GetOrAdd(key, mine);
        try
        {
            var outcome = await handling.Value.WaitAsync(_options.RequestTimeout, _time, cancellationToken);
            return outcome is Outcome.Answered answered && !ReferenceEquals(handling, mine) ? answered with { Replayed = true } : outcome;
        }
        catch (TimeoutException)
        {
            return new Outcome.Unavailable("The alert is still being handled; deliver it again and the answer will be ready.");
        }
    }

    private async Task<Outcome> HandleOnceAsync(AlertKey key, CommonAlert alert, Caller caller)
    {
        // Yield first, so the handling runs detached from whichever request started it: another delivery's request may outlive it.
        await Task.Yield();
        try
        {
            // Bounded by its own timeout, not by the first request's lifetime: a delivery that hangs up must not cancel the others'.
            using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
            var outcome = await ClaimAndHandleAsync(key, alert, caller, timeout.Token);
            if (outcome is Outcome.Answered answered)
            {
                _answers?.Set(key, answered.Answer, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.AnswerCacheTime });
            }
            return outcome;
        }
        finally
        {
            _inFlight.TryRemove(key, out _);
        }
    }

    private async Task<Outcome> ClaimAndHandleAsync(AlertKey key, CommonAlert alert, Caller caller, CancellationToken cancellationToken)
    {
        // Finding the apps and their active releases only reads, so it overlaps the claim; a delivery that does not win the
        // claim just drops the result.
        var claiming = _claims.ClaimAsync(key, cancellationToken);
        var finding = FindRoutesAsync(alert, cancellationToken);
        ClaimResult claim;
        try
        {
            claim = await claiming;
        }
        catch (Exception ex)
        {
            Log.Unavailable(_logger, key.Hash, ex);
            await Observe(finding);
            return new Outcome.Unavailable("Blueshift's storage did not answer in time; nothing was done.");
        }

        switch (claim)
        {
            case ClaimResult.Answered answered:
                await Observe(finding);
                return new Outcome.Answered(answered.Answer, Replayed: true);
            case ClaimResult.Busy:
                await Observe(finding);
                Log.Busy(_logger, key.Hash);
                return new Outcome.Unavailable("Another delivery of this alert is being handled; deliver it again and the answer will be ready.");
        }

        var owned = (ClaimResult.Owned)claim;
        try
        {
            var (apps, routes) = await finding;
            var answer = await DecideAndActAsync(key, alert, apps, routes, caller, cancellationToken);
            await _claims.CompleteAsync(key, owned.ETag, answer, cancellationToken);
            return new Outcome.Answered(answer, Replayed: false);
        }
        catch (Exception ex)
        {
            Log.Unavailable(_logger, key.Hash, ex);
            await ReleaseClaimAsync(key, owned);
            return new Outcome.Unavailable("Blueshift could not finish handling the alert in time; deliver it again.");
        }
    }

    private static async Task Observe(Task task)
    {
        try
        {
            await task;
        }
        catch
        {
            // The result is not needed; only its failure must not go unobserved.
        }
    }

    private async Task<AlertAnswer> DecideAndActAsync(
        AlertKey key, CommonAlert alert, IReadOnlyList<ManagedApp> apps, IReadOnlyList<AppAlertRoute> routes, Caller caller, CancellationToken cancellationToken)
    {
        var correlation = key.Hash[..32];
        // The receipt is audited with the decision, after the action: a rollback waits for no audit write.
        var records = new List<AuditRecord>
        {
            new(_time.GetUtcNow(), caller.Id, "alert.received", apps.Count == 1 ? apps[0].Name : null, null,
                $"{alert.SeverityName} alert '{alert.AlertRule}' {alert.MonitorCondition} on {alert.AlertTargetIds.Count} target(s).",
                correlation, Details(alert, apps)),
        };
        var lockHolders = routes.Select(r => r.ActiveReleaseId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var action = AlertDecision.Decide(alert, new AlertRoutingInput(routes, _time.GetUtcNow()));

        AlertAnswer answer;
        if (action is AlertAction.RollBack rollBack)
        {
            var results = new List<AlertRollbackAnswer>();
            try
            {
                foreach (var release in rollBack.Releases)
                {
                    results.Add(await RollBackAsync(key, release, lockHolders.Contains(release.ReleaseId), caller, correlation, records, cancellationToken));
                }
            }
            catch
            {
                // The delivery fails (503, retried); what was received and already done is audited all the same.
                await RecordBestEffortAsync(records);
                throw;
            }
            var accepted = results.Any(r => r.Outcome == "Accepted");
            answer = new AlertAnswer(alert.AlertId, key.MonitorCondition, accepted ? AlertAnswer.RolledBack : AlertAnswer.Acknowledged, rollBack.Reason, results);
        }
        else
        {
            answer = new AlertAnswer(alert.AlertId, key.MonitorCondition, AlertAnswer.Acknowledged, action.Reason, []);
            records.Add(new AuditRecord(
                _time.GetUtcNow(), caller.Id, "alert.ignored", apps.Count == 1 ? apps[0].Name : null, null, action.Reason, correlation,
                new Dictionary<string, string> { ["alertId"] = alert.AlertId, ["decision"] = AlertAnswer.Acknowledged }));
        }
        await _audit.RecordAllAsync(records, cancellationToken);
        Log.Decided(_logger, key.Hash, key.MonitorCondition, alert.SeverityName, answer.Decision, answer.Rollbacks.Count(r => r.Outcome == "Accepted"));
        return answer;
    }

    private async Task<AlertRollbackAnswer> RollBackAsync(
        AlertKey key, ReleaseRollback release, bool holdsLock, Caller caller, string correlation, List<AuditRecord> records, CancellationToken cancellationToken)
    {
        var result = holdsLock
            ? await _releases.RollbackLockHolderAsync(release.ReleaseId, caller, release.Reason, cancellationToken)
            : await _releases.RollbackAsync(release.ReleaseId, caller, release.Reason, cancellationToken);
        var details = new Dictionary<string, string> { ["alertId"] = key.AlertId };
        switch (result)
        {
            case ReleaseCommandResult.Accepted accepted:
                details["decision"] = AlertAnswer.RolledBack;
                details["releasePhase"] = accepted.Release.Phase;
                records.Add(new AuditRecord(
                    _time.GetUtcNow(), caller.Id, "alert.rolled-back", release.AppName, release.ReleaseId, release.Reason, correlation, details));
                return new AlertRollbackAnswer(release.AppName, release.ReleaseId, "Accepted", $"Release {release.ReleaseId} is {accepted.Release.Phase}.");
            case ReleaseCommandResult.Rejected rejected:
                Log.RollbackRefused(_logger, key.Hash, release.ReleaseId, rejected.Status, rejected.Detail);
                details["decision"] = AlertAnswer.Acknowledged;
                details["engineStatus"] = rejected.Status.ToString(CultureInfo.InvariantCulture);
                records.Add(new AuditRecord(
                    _time.GetUtcNow(), caller.Id, "alert.ignored", release.AppName, release.ReleaseId,
                    $"{release.Reason} The release engine refused the rollback: {rejected.Detail}", correlation, details));
                return new AlertRollbackAnswer(release.AppName, release.ReleaseId, "Refused", rejected.Detail);
            default:
                throw new InvalidOperationException($"Unexpected command result {result}.");
        }
    }

    private async Task RecordBestEffortAsync(IReadOnlyList<AuditRecord> records)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _audit.RecordAllAsync(records, timeout.Token);
        }
        catch (Exception ex)
        {
            Log.AuditFailed(_logger, ex);
        }
    }

    /// <summary>The alert's apps and, for each, its active release or its rollback window: reads only.</summary>
    private async Task<(IReadOnlyList<ManagedApp> Apps, AppAlertRoute[] Routes)> FindRoutesAsync(CommonAlert alert, CancellationToken cancellationToken)
    {
        var apps = await FindAppsAsync(alert, cancellationToken);
        return (apps, await Task.WhenAll(apps.Select(app => RouteAsync(app, cancellationToken))));
    }

    /// <summary>The managed apps the alert's targets belong to (a slot counts as its site); unknown targets are left out.</summary>
    private async Task<IReadOnlyList<ManagedApp>> FindAppsAsync(CommonAlert alert, CancellationToken cancellationToken)
    {
        var targets = alert.AlertTargetIds
            .GroupBy(AppServiceResourceId.SiteKey, StringComparer.Ordinal)
            .Select(g => g.First())
            .ToList();
        var found = await Task.WhenAll(targets.Select(t => _apps.FindByResourceIdAsync(t, cancellationToken)));
        return found.OfType<ManagedApp>().DistinctBy(a => a.Name, StringComparer.Ordinal).ToList();
    }

    private async Task<AppAlertRoute> RouteAsync(ManagedApp app, CancellationToken cancellationToken)
    {
        // The app's lock names its one active release in a single point read. A release stays Active through
        // its post-swap watch (phase Watching), so "in flight" covers the watch window; a release that has just ended but
        // not yet let go of the lock is swapped back inside its rollback window or refuses, and the answer says so.
        var holder = await _releases.FindLockHolderAsync(app.Name, cancellationToken);
        if (holder is not null)
        {
            return new AppAlertRoute(app.ResourceId, Threshold(app), holder);
        }
        // Nothing in flight: the latest release may have succeeded recently enough to be swapped back.
        var window = await _releases.FindRollbackWindowAsync(app.Name, cancellationToken);
        return new AppAlertRoute(app.ResourceId, Threshold(app), LastReleaseId: window?.ReleaseId, WatchWindowEndsAt: window?.WindowEndsAt);
    }

    /// <summary><c>Sev0</c>…<c>Sev4</c> or <c>0</c>…<c>4</c>; anything else keeps the default, Sev2.</summary>
    public static AlertSeverity Threshold(ManagedApp app)
    {
        var text = app.Policy?.AlertSeverityThreshold?.Trim();
        if (text is null)
        {
            return AlertSeverity.Sev2;
        }
        var digits = text.StartsWith("Sev", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
        return digits is [>= '0' and <= '4'] ? (AlertSeverity)(digits[0] - '0') : AlertSeverity.Sev2;
    }

    private static Dictionary<string, string> Details(CommonAlert alert, IReadOnlyList<ManagedApp> apps)
    {
        var details = new Dictionary<string, string>
        {
            ["alertId"] = alert.AlertId,
            ["severity"] = alert.SeverityName,
            ["monitorCondition"] = alert.MonitorCondition.ToString(),
            ["targets"] = alert.AlertTargetIds.Count.ToString(CultureInfo.InvariantCulture),
            ["apps"] = string.Join(",", apps.Select(a => a.Name)),
        };
        if (alert.AlertRule is { } rule)
        {
            details["alertRule"] = rule;
        }
        if (alert.SignalType is { } signal)
        {
            details["signalType"] = signal;
        }
        if (alert.MonitoringService is { } service)
        {
            details["monitoringService"] = service;
        }
        return details;
    }

    private async Task ReleaseClaimAsync(AlertKey key, ClaimResult.Owned owned)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _claims.ReleaseAsync(key, owned.ETag, timeout.Token);
        }
        catch (Exception ex)
        {
            Log.ReleaseFailed(_logger, key.Hash, ex);
        }
    }

    private async Task<PooledBody?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = _options.MaxBodyBytes;
        if (request.ContentLength > limit)
        {
            return null;
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return null;
                    }
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new PooledBody(buffer, length);
    }

    public void Dispose() => _answers?.Dispose();

    private sealed class PooledBody(byte[] buffer, int length) : IDisposable
    {
        public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);

        public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>The result of handling a delivery: an answer (possibly replayed) or "try again" (503).</summary>
    public abstract record Outcome
    {
        private Outcome()
        {
        }

        public sealed record Answered(AlertAnswer Answer, bool Replayed) : Outcome;

        public sealed record Unavailable(string Detail) : Outcome;
    }
}
