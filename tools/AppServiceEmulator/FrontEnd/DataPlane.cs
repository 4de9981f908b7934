using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator;

/// <summary>
/// Serves the sample apps: each slot's own listener, and the production front door that routes by
/// <c>experiments.rampUpRules</c> and the <c>x-ms-routing-name</c> cookie or query parameter, as App Service does.
/// </summary>
internal sealed class DataPlane(TimeProvider time, EmulatorOptions options, TrafficLog traffic)
{
    public const string RoutingName = "x-ms-routing-name";
    public const string VersionHeader = "x-app-version";
    public const string SlotHeader = "x-ms-served-by-slot";

    public Task ServeSlotAsync(HttpContext context, EmulatedSlot slot)
    {
        if (!slot.IsReachable)
        {
            // Unreachable: the connection closes without an answer, on requests already under way on it too.
            context.Abort();
            return Task.CompletedTask;
        }
        return ServeAsync(context, slot, slot.DirectHostName);
    }

    public async Task ServeFrontDoorAsync(HttpContext context, EmulatedSite site)
    {
        var (slot, cookie) = Route(context.Request, site);
        if (cookie is not null)
        {
            // Azure pins a client to the slot it was routed to, so a session does not hop between versions.
            context.Response.Cookies.Append(RoutingName, cookie, new CookieOptions { Path = "/", HttpOnly = true });
        }
        if (!slot.IsReachable)
        {
            traffic.Add(new TrafficRecord(time.GetUtcNow(), site.DefaultHostName, site.ResourceId, site.Name, slot.Name, null, StatusCodes.Status502BadGateway, TimeSpan.Zero, context.Request.Path, false));
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            await context.Response.WriteAsync($"502 - The slot '{slot.Name}' of {site.Name} did not answer.");
            return;
        }
        await ServeAsync(context, slot, site.DefaultHostName);
    }

    /// <summary>Picks the slot for a front-door request; returns the routing cookie to set, if any.</summary>
    private static (EmulatedSlot Slot, string? Cookie) Route(HttpRequest request, EmulatedSite site)
    {
        var forced = request.Query[RoutingName].ToString();
        if (!string.IsNullOrEmpty(forced))
        {
            return (ByRoutingName(site, forced), forced);
        }
        if (request.Cookies.TryGetValue(RoutingName, out var pinned) && !string.IsNullOrEmpty(pinned))
        {
            return (ByRoutingName(site, pinned), null);
        }

        List<(EmulatedSlot Slot, double Percentage)> rules;
        lock (site.Gate)
        {
            rules = RampUpRules(site.Production.WebConfig)
                .Select(rule => (Slot: site.SlotByHost(rule.ActionHostName), rule.Percentage))
                .Where(rule => rule.Slot is not null)
                .Select(rule => (rule.Slot!, rule.Percentage))
                .ToList();
        }
        if (rules.Count == 0)
        {
            return (site.Production, null);
        }

        var point = RoutingSequence.Point(Interlocked.Increment(ref site.FrontDoorSequence)) * 100;
        var cumulative = 0.0;
        foreach (var (slot, percentage) in rules)
        {
            cumulative += percentage;
            if (point < cumulative)
            {
                return (slot, slot.Name);
            }
        }
        return (site.Production, "self");
    }

    private static EmulatedSlot ByRoutingName(EmulatedSite site, string name) =>
        name.Equals("self", StringComparison.OrdinalIgnoreCase) || !site.TryGetSlot(name, out var slot) ? site.Production : slot;

    internal static IEnumerable<(string ActionHostName, double Percentage, string? Name)> RampUpRules(JsonObject webConfig)
    {
        if (webConfig["experiments"]?["rampUpRules"] is not JsonArray rules)
        {
            yield break;
        }
        foreach (var rule in rules.OfType<JsonObject>())
        {
            yield return (
                rule["actionHostName"]?.GetValue<string>() ?? "",
                rule["reroutePercentage"]?.GetValue<double>() ?? 0,
                rule["name"]?.GetValue<string>());
        }
    }

    private async Task ServeAsync(HttpContext context, EmulatedSlot slot, string host)
    {
        SlotContent content;
        string healthPath;
        lock (slot.Site.Gate)
        {
            content = slot.Content;
        }
        healthPath = slot.HealthCheckPath;
        var behaviour = content.Behaviour;
        var path = context.Request.Path.Value ?? "/";
        if (slot.IsStopped)
        {
            // A stopped app answers every request, its health check too, with App Service's own 403 page.
            traffic.Add(new TrafficRecord(time.GetUtcNow(), host, slot.Site.ResourceId, slot.Site.Name, slot.Name, null, StatusCodes.Status403Forbidden, TimeSpan.Zero, path,
                string.Equals(path, healthPath, StringComparison.OrdinalIgnoreCase)));
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<h1>Error 403 - This web app is stopped.</h1>", context.RequestAborted);
            return;
        }
        var isHealthCheck = string.Equals(path, healthPath, StringComparison.OrdinalIgnoreCase);

        int status;
        if (isHealthCheck)
        {
            status = behaviour.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        }
        else
        {
            var sequence = Interlocked.Increment(ref slot.RequestSequence);
            status = ErrorPattern.Fails(sequence, behaviour.ErrorRate) ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
        }

        var latency = TimeSpan.FromMilliseconds(behaviour.LatencyMs);
        if (options.SimulateLatency && latency > TimeSpan.Zero)
        {
            // The app's service time is real wall-clock delay: the served app is a real process, not the clock under test.
            await Task.Delay(latency, context.RequestAborted);
        }

        traffic.Add(new TrafficRecord(time.GetUtcNow(), host, slot.Site.ResourceId, slot.Site.Name, slot.Name, behaviour.Version, status, latency, path, isHealthCheck));
        context.Response.StatusCode = status;
        context.Response.Headers[VersionHeader] = behaviour.Version;
        context.Response.Headers[SlotHeader] = slot.Name;
        context.Response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["site"] = slot.Site.Name,
            ["slot"] = slot.Name,
            ["version"] = behaviour.Version,
            ["status"] = isHealthCheck ? (behaviour.Healthy ? "healthy" : "unhealthy") : (status == 200 ? "ok" : "error"),
        };
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}

/// <summary>
/// A low-discrepancy sequence (golden-ratio Kronecker): the fraction of the first N points below p stays within a few
/// counts of N·p for any p, so a 10 % rule routes 10 % of any run of requests, deterministically, and several rules
/// share one sequence.
/// </summary>
internal static class RoutingSequence
{
    private const double GoldenFraction = 0.6180339887498949;

    public static double Point(long n)
    {
        var x = n * GoldenFraction;
        return x - Math.Floor(x);
    }
}

/// <summary>Request n (1-based) fails when ⌊n·rate⌋ steps up, so exactly ⌊N·rate⌋ of the first N requests fail, spread evenly.</summary>
internal static class ErrorPattern
{
    public static bool Fails(long n, double rate)
    {
        if (rate <= 0)
        {
            return false;
        }
        var r = (decimal)rate;
        return decimal.Floor(n * r) > decimal.Floor((n - 1) * r);
    }
}
