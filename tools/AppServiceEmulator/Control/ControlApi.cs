using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator;

/// <summary>
/// The HTTP control API under <c>/_emulator</c>, mirroring the C# API for runs of the emulator as a process.
/// It needs no token (it is not part of Azure); bad input answers application/problem+json and changes nothing.
/// </summary>
internal static class ControlApi
{
    public const string DefaultSubscription = "00000000-0000-0000-0000-000000000000";
    public const string DefaultResourceGroup = "blueshift";
    public const int DefaultTrafficLimit = 1000;
    public const int MaxTrafficLimit = 100_000;

    public sealed record PackageRequest(string? Version, double? ErrorRate, int? LatencyMs, string? HealthCheck, bool? FailStartup);

    public sealed record CreateSiteRequest(string? Name, string? SubscriptionId, string? ResourceGroup, string[]? Slots, PackageRequest? Package);

    public sealed record ArmFaultRequest(string? Kind, string? PathPattern, int? Count, string? Method, double? RetryAfterSeconds, int? StatusCode, int? LatencyMs);

    public sealed record OperationFaultRequest(string? Kind, string? Site, string? Code, string? Message);

    public sealed record RestoreFaultRequest(string? Site, bool? Unhealthy, double? DurationSeconds);

    public sealed record ReachabilityRequest(string? Site, string? Slot, bool? Reachable, string? SubscriptionId, string? ResourceGroup);

    public sealed record LoadRequest(string? Site, string? SubscriptionId, string? ResourceGroup, int? Requests, int? Concurrency, double? RequestsPerSecond, int? MaxRequests, double? MaxDurationSeconds, string? Path);

    public static void Map(WebApplication app, AppServiceEmulatorServer server)
    {
        var control = app.MapGroup("/_emulator");

        control.MapGet("/health", () => Results.Ok(new { status = "ok" }));
        KeyVaultControlApi.Map(control, server);
        BackupBlobs.MapControl(control, server);

        control.MapGet("/sites", () => Results.Ok(server.Sites.Select(SiteView)));
        control.MapPost("/sites", async (CreateSiteRequest request, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name))
            {
                return Problem("name is required.");
            }
            if (!TryBehaviour(request.Package, out var behaviour, out var problem))
            {
                return Problem(problem!);
            }
            try
            {
                var site = await server.CreateSiteAsync(request.SubscriptionId ?? DefaultSubscription, request.ResourceGroup ?? DefaultResourceGroup,
                    request.Name, request.Slots ?? [], behaviour, cancellationToken);
                return Results.Created($"/_emulator/sites/{site.Name}", SiteView(site));
            }
            catch (ArgumentException ex)
            {
                return Problem(ex.Message);
            }
            catch (InvalidOperationException ex)
            {
                return Problem(ex.Message, StatusCodes.Status409Conflict);
            }
        });

        control.MapGet("/traffic", (long? since, int? limit, string? site) =>
        {
            if (since is < 0)
            {
                return Problem("since is a record number from an earlier answer's next (0 or more).");
            }
            if (limit is < 1 or > MaxTrafficLimit)
            {
                return Problem($"limit is 1..{MaxTrafficLimit} records.");
            }
            // Without since: the most recent records, as someone looking at the log wants; with since: the records after
            // it in order, so a reader that follows next misses none.
            var (records, next) = server.TrafficLog.Read(since ?? 0, limit ?? DefaultTrafficLimit, latest: since is null,
                site is null ? null : r => r.Site.Equals(site, StringComparison.OrdinalIgnoreCase));
            return Results.Ok(new { next, records });
        });
        control.MapDelete("/traffic", () =>
        {
            server.TrafficLog.Clear();
            return Results.NoContent();
        });

        control.MapGet("/arm-calls", () => Results.Ok(server.ArmCallLog.Snapshot()));
        control.MapDelete("/arm-calls", () =>
        {
            server.ArmCallLog.Clear();
            return Results.NoContent();
        });
        control.MapGet("/swaps", () => Results.Ok(server.SwapLog.Snapshot()));
        control.MapGet("/operations", () => Results.Ok(server.GetOperations()));

        control.MapGet("/faults", () => Results.Ok(server.Faults.PendingArmFaults()));
        control.MapDelete("/faults", () =>
        {
            server.Faults.Clear();
            return Results.NoContent();
        });
        control.MapPost("/faults", (ArmFaultRequest request) =>
        {
            if (!Enum.TryParse<ArmFaultKind>(request.Kind, ignoreCase: true, out var kind))
            {
                return Problem("kind must be throttle, serverError or latency.");
            }
            try
            {
                server.Faults.AddArmFault(new ArmFault(
                    kind,
                    request.PathPattern ?? ".*",
                    request.Count ?? 1,
                    request.Method,
                    TimeSpan.FromSeconds(request.RetryAfterSeconds ?? 1),
                    request.StatusCode ?? (kind == ArmFaultKind.Throttle ? 429 : 500),
                    TimeSpan.FromMilliseconds(request.LatencyMs ?? 0)));
                return Results.Created("/_emulator/faults", server.Faults.PendingArmFaults());
            }
            catch (ArgumentException ex)
            {
                return Problem(ex.Message);
            }
        });
        control.MapPost("/faults/operations", (OperationFaultRequest request) =>
        {
            if (!Enum.TryParse<OperationKind>(request.Kind, ignoreCase: true, out var kind))
            {
                return Problem("kind must be swap, deployment, restore or backup.");
            }
            server.Faults.FailNextOperation(kind, request.Site, request.Code ?? "InternalServerError", request.Message);
            return Results.NoContent();
        });
        control.MapGet("/faults/restore", () => Results.Ok(server.Faults.PendingRestoreFaults()));
        control.MapPost("/faults/restore", (RestoreFaultRequest request) =>
        {
            if (request.DurationSeconds is { } seconds && (double.IsNaN(seconds) || seconds < 0 || seconds > TimeSpan.FromDays(1).TotalSeconds))
            {
                return Problem("durationSeconds must be between 0 and 86400.");
            }
            if (request.Unhealthy != true && request.DurationSeconds is null)
            {
                return Problem("Give unhealthy: true (the restored slot's health path answers 503), durationSeconds (a slow restore), or both.");
            }
            server.Faults.AddRestoreFault(new RestoreFault(request.Site, request.Unhealthy == true,
                request.DurationSeconds is { } duration ? TimeSpan.FromSeconds(duration) : null));
            return Results.Created("/_emulator/faults/restore", server.Faults.PendingRestoreFaults());
        });
        control.MapPost("/faults/reachability", async (ReachabilityRequest request, CancellationToken cancellationToken) =>
        {
            if (FindSite(server, request.Site, request.SubscriptionId, request.ResourceGroup) is not { } site)
            {
                return Problem($"No site named '{request.Site}'.", StatusCodes.Status404NotFound);
            }
            if (!site.TryGetSlot(request.Slot ?? EmulatedSite.ProductionSlotName, out var slot))
            {
                return Problem($"Site {site.Name} has no slot '{request.Slot}'.", StatusCodes.Status404NotFound);
            }
            if (request.Reachable is not { } reachable)
            {
                return Problem("reachable (true or false) is required.");
            }
            await server.Faults.SetSlotReachableAsync(slot, reachable, cancellationToken);
            return Results.Ok(SiteView(site));
        });

        control.MapPost("/load", async (LoadRequest request, CancellationToken cancellationToken) =>
        {
            if (FindSite(server, request.Site, request.SubscriptionId, request.ResourceGroup) is not { } site)
            {
                return Problem($"No site named '{request.Site}'.", StatusCodes.Status404NotFound);
            }
            var path = request.Path ?? "/";
            if (!path.StartsWith('/'))
            {
                return Problem("path must start with '/'.");
            }
            try
            {
                if (request.Requests is { } requests)
                {
                    return Results.Ok(await server.Traffic.SendAsync(site, requests, request.Concurrency ?? 8, path, cancellationToken));
                }
                if (request.RequestsPerSecond is not { } rate)
                {
                    return Problem("Give requests (send now and wait) or requestsPerSecond with maxRequests (steady background load).");
                }
                var run = server.Traffic.Start(site, rate, request.MaxRequests ?? 1000,
                    request.MaxDurationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, path);
                return Results.Accepted("/_emulator/load", LoadView(run));
            }
            catch (ArgumentOutOfRangeException ex)
            {
                return Problem(ex.Message);
            }
        });
        control.MapPost("/health-probes", async (LoadRequest request, CancellationToken cancellationToken) =>
            FindSite(server, request.Site, request.SubscriptionId, request.ResourceGroup) is { } site
                ? Results.Ok(await server.Traffic.ProbeHealthAsync(site, cancellationToken))
                : Problem($"No site named '{request.Site}'.", StatusCodes.Status404NotFound));
        // The ad-hoc run while it goes, else the standing run (--load), which ad-hoc runs neither replace nor stop.
        control.MapGet("/load", () => (server.Traffic.Current is { IsRunning: true } ? server.Traffic.Current : server.Traffic.Standing ?? server.Traffic.Current) is { } run
            ? Results.Ok(LoadView(run))
            : Results.Ok(new { running = false }));
        control.MapDelete("/load", async () =>
        {
            await server.Traffic.StopAsync();
            return server.Traffic.Current is { } run ? Results.Ok(LoadView(run)) : Results.NoContent();
        });

        control.MapPut("/packages/{name}", async (string name, HttpRequest request, CancellationToken cancellationToken) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            if (buffer.Length == 0)
            {
                return Problem("The body is empty: send the zip package.");
            }
            try
            {
                var uri = server.PutPackage(name, buffer.ToArray());
                return Results.Created(uri, new { uri });
            }
            catch (ArgumentException ex)
            {
                return Problem(ex.Message);
            }
        });
        control.MapPost("/packages/{name}/sample", (string name, PackageRequest request) =>
        {
            if (!TryBehaviour(request, out var behaviour, out var problem))
            {
                return Problem(problem!);
            }
            try
            {
                var uri = server.PutPackage(name, SamplePackage.Create(behaviour!));
                return Results.Created(uri, new { uri });
            }
            catch (ArgumentException ex)
            {
                return Problem(ex.Message);
            }
        });
        control.MapGet("/packages/{name}", (string name) =>
            server.TryGetPackage(name, out var package)
                ? Results.File(package, "application/zip", name + ".zip")
                : Problem($"No package named '{name}'.", StatusCodes.Status404NotFound));
    }

    private static IResult Problem(string detail, int status = StatusCodes.Status400BadRequest) =>
        Results.Problem(detail: detail, statusCode: status, title: status == 404 ? "Not found" : status == 409 ? "Conflict" : "Bad request");

    private static bool TryBehaviour(PackageRequest? request, out AppBehaviour? behaviour, out string? problem)
    {
        behaviour = null;
        problem = null;
        if (request is null)
        {
            return true;
        }
        if (request.HealthCheck is not (null or "healthy" or "unhealthy"))
        {
            problem = "healthCheck must be \"healthy\" or \"unhealthy\".";
            return false;
        }
        var candidate = new AppBehaviour(request.Version ?? AppBehaviour.Initial.Version, request.ErrorRate ?? 0, request.LatencyMs ?? 0,
            request.HealthCheck != "unhealthy", request.FailStartup ?? false);
        try
        {
            candidate.Validate();
        }
        catch (InvalidDataException ex)
        {
            problem = ex.Message;
            return false;
        }
        behaviour = candidate;
        return true;
    }

    private static EmulatedSite? FindSite(AppServiceEmulatorServer server, string? name, string? subscriptionId, string? resourceGroup) =>
        server.Sites.FirstOrDefault(s =>
            s.Name.Equals(name, StringComparison.OrdinalIgnoreCase)
            && (subscriptionId is null || s.SubscriptionId.Equals(subscriptionId, StringComparison.OrdinalIgnoreCase))
            && (resourceGroup is null || s.ResourceGroup.Equals(resourceGroup, StringComparison.OrdinalIgnoreCase)));

    private static JsonObject SiteView(EmulatedSite site) => new()
    {
        ["name"] = site.Name,
        ["subscriptionId"] = site.SubscriptionId,
        ["resourceGroup"] = site.ResourceGroup,
        ["resourceId"] = site.ResourceId,
        ["defaultHostName"] = site.DefaultHostName,
        ["frontDoor"] = site.FrontDoor.ToString(),
        ["slots"] = new JsonArray(site.Slots.Select(slot => (JsonNode?)new JsonObject
        {
            ["name"] = slot.Name,
            ["resourceId"] = slot.ResourceId,
            ["defaultHostName"] = slot.DefaultHostName,
            ["directEndpoint"] = slot.DirectEndpoint.ToString(),
            ["version"] = slot.Version,
            ["reachable"] = slot.IsReachable,
        }).ToArray()),
    };

    private static object LoadView(LoadRun run) => new
    {
        running = run.IsRunning,
        standing = run.IsStanding,
        site = run.Site.Name,
        run.RequestsPerSecond,
        run.MaxRequests,
        maxDurationSeconds = run.MaxDuration?.TotalSeconds,
        summary = run.Summary,
    };
}
