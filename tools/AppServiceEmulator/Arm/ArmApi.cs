using System.Globalization;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator;

/// <summary>
/// The emulated Azure Resource Manager for <c>Microsoft.Web/sites[/slots]</c> and the metrics API. One handler for
/// every path under <c>/subscriptions</c> so that authentication, api-version, faults and the call log apply to all
/// of them in ARM's order: 401, then injected faults, then 400 for a missing api-version, then 404.
/// </summary>
internal sealed class ArmApi(AppServiceEmulatorServer server)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        context.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        try
        {
            await DispatchAsync(context, path);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            // An emulator bug must look like an ARM 500 to the caller, never like a stack trace.
            Log.UnhandledArmError(server.Logger, ex, request.Method, path);
            await ArmResponses.WriteErrorAsync(context, new ArmError(500, "InternalServerError", "The emulator failed to handle the request."));
        }
        finally
        {
            server.ArmCallLog.Add(new ArmCall(server.Time.GetUtcNow(), request.Method, path, request.QueryString.Value ?? "", context.Response.StatusCode));
        }
    }

    private async Task DispatchAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length <= "Bearer ".Length)
        {
            context.Response.Headers.WWWAuthenticate =
                "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\", error_description=\"The authentication failed because of missing 'Authorization' header.\"";
            await ArmResponses.WriteErrorAsync(context, new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or is not a bearer token."));
            return;
        }

        if (server.Faults.TakeArmFault(request.Method, path) is { } fault)
        {
            Log.ArmFaultApplied(server.Logger, fault.Kind, request.Method, path);
            switch (fault.Kind)
            {
                case ArmFaultKind.Throttle:
                    context.Response.Headers.RetryAfter = ((int)Math.Ceiling(fault.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                    await ArmResponses.WriteErrorAsync(context, new ArmError(429, "TooManyRequests",
                        $"The request was throttled. Retry after {(int)Math.Ceiling(fault.RetryAfter.TotalSeconds)} seconds."));
                    return;
                case ArmFaultKind.ServerError:
                    await ArmResponses.WriteErrorAsync(context, new ArmError(fault.StatusCode,
                        fault.StatusCode == 503 ? "ServiceUnavailable" : "InternalServerError",
                        "The service encountered an internal error. Please retry the request."));
                    return;
                case ArmFaultKind.Latency:
                    await Task.Delay(fault.Latency, context.RequestAborted);
                    break;
            }
        }

        var apiVersion = request.Query["api-version"].ToString();
        if (string.IsNullOrEmpty(apiVersion))
        {
            await ArmResponses.WriteErrorAsync(context, new ArmError(400, "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests."));
            return;
        }

        server.Operations.AdvanceAll();
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var call = new ArmCallContext(context, apiVersion);

        // The Azure-AsyncOperation form has no resource group: /subscriptions/{s}/providers/Microsoft.Web/sites/{name}/operationResults/{id}.
        if (segments.Length == 8 && Is(segments[2], "providers") && Is(segments[3], "Microsoft.Web") && Is(segments[4], "sites") && Is(segments[6], "operationResults")
            && HttpMethods.IsGet(request.Method))
        {
            await AsyncOperationStatusAsync(call, segments[1], segments[5], segments[7], path);
            return;
        }

        if (segments.Length < 8 || !Is(segments[2], "resourceGroups") || !Is(segments[4], "providers") || !Is(segments[5], "Microsoft.Web") || !Is(segments[6], "sites"))
        {
            await NotFoundAsync(context, $"No emulated ARM resource at '{path}'. The emulator serves Microsoft.Web/sites and their metrics.");
            return;
        }

        if (!server.TryGetSite(segments[1], segments[3], segments[7], out var site))
        {
            await ArmResponses.WriteErrorAsync(context, new ArmError(404, "ResourceNotFound",
                $"The Resource 'Microsoft.Web/sites/{segments[7]}' under resource group '{segments[3]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"));
            return;
        }

        var rest = segments[8..];
        var slot = site.Production;
        var isSlotPath = false;
        if (rest.Length >= 1 && Is(rest[0], "slots"))
        {
            if (rest.Length == 1)
            {
                if (HttpMethods.IsGet(request.Method))
                {
                    await ArmResponses.WriteJsonAsync(context, 200, new JsonObject
                    {
                        ["value"] = new JsonArray(site.Slots.Where(s => !s.IsProduction).Select(s => (JsonNode?)ArmResponses.Site(s)).ToArray()),
                    });
                    return;
                }
                await NotFoundAsync(context, $"No {request.Method} operation on '{path}'.");
                return;
            }
            if (!site.TryGetSlot(rest[1], out slot) || slot.IsProduction)
            {
                await ArmResponses.WriteErrorAsync(context, new ArmError(404, "ResourceNotFound",
                    $"The Resource 'Microsoft.Web/sites/{site.Name}/slots/{rest[1]}' under resource group '{site.ResourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"));
                return;
            }
            isSlotPath = true;
            rest = rest[2..];
        }

        var route = string.Join('/', rest).ToLowerInvariant();
        var method = request.Method.ToUpperInvariant();
        switch (method, route)
        {
            case ("GET", ""):
                await ArmResponses.WriteJsonAsync(context, 200, ArmResponses.Site(slot));
                return;
            case ("GET", "config/web"):
                await ArmResponses.WriteJsonAsync(context, 200, WebConfigBody(slot));
                return;
            case ("PUT" or "PATCH", "config/web"):
                await UpdateWebConfigAsync(call, slot);
                return;
            case ("POST", "config/appsettings/list"):
                await ArmResponses.WriteJsonAsync(context, 200, ArmResponses.AppSettings(slot));
                return;
            case ("PUT", "config/appsettings"):
                await UpdateAppSettingsAsync(call, slot);
                return;
            case ("GET", "config/slotconfignames") when !isSlotPath:
                await ArmResponses.WriteJsonAsync(context, 200, ArmResponses.SlotConfigNames(site));
                return;
            case ("PUT", "config/slotconfignames") when !isSlotPath:
                await UpdateSlotConfigNamesAsync(call, site);
                return;
            case ("POST", "slotsswap"):
                await SwapAsync(call, slot);
                return;
            case ("POST", "applyslotconfig"):
                await ApplySlotConfigAsync(call, slot);
                return;
            case ("POST", "resetslotconfig"):
                lock (site.Gate)
                {
                    if (slot.SettingsBeforeApply is { } original)
                    {
                        slot.Settings = original;
                        slot.SettingsBeforeApply = null;
                    }
                }
                await ArmResponses.WriteJsonAsync(context, 200, null);
                return;
            case ("PUT", "extensions/onedeploy"):
                await DeployAsync(call, slot);
                return;
            case ("GET", "extensions/onedeploy"):
                await DeploymentStatusAsync(call, slot);
                return;
            case ("POST", "restart"):
                await ArmResponses.WriteJsonAsync(context, 200, null);
                return;
            case ("POST", "start" or "stop"):
                lock (site.Gate)
                {
                    slot.Stopped = route == "stop";
                }
                await ArmResponses.WriteJsonAsync(context, 200, null);
                return;
            case ("GET", "config/backup"):
            case ("POST", "config/backup/list"):
                await GetBackupConfigAsync(call, slot);
                return;
            case ("PUT", "config/backup"):
                await PutBackupConfigAsync(call, slot);
                return;
            case ("POST", "backup"):
                await BackupAsync(call, slot);
                return;
            case ("GET", "backups"):
                await ListBackupsAsync(call, slot);
                return;
            case ("GET", _) when rest.Length == 2 && Is(rest[0], "backups"):
                await GetBackupAsync(call, slot, rest[1]);
                return;
            case ("POST", _) when rest.Length == 3 && Is(rest[0], "backups") && Is(rest[2], "restore"):
                await RestoreAsync(call, slot, rest[1]);
                return;
            case ("GET", _) when rest.Length == 2 && Is(rest[0], "operationresults"):
                await OperationResultAsync(call, slot, rest[1]);
                return;
            case ("GET", "providers/microsoft.insights/metrics"):
                await MetricsApi.HandleAsync(context, server, slot);
                return;
            default:
                await NotFoundAsync(context, $"The emulator has no {method} operation at '{path}'.");
                return;
        }
    }

    private static bool Is(string segment, string expected) => segment.Equals(expected, StringComparison.OrdinalIgnoreCase);

    private static Task NotFoundAsync(HttpContext context, string message) =>
        ArmResponses.WriteErrorAsync(context, new ArmError(404, "NotFound", message));

    private static JsonObject WebConfigBody(EmulatedSlot slot)
    {
        lock (slot.Site.Gate)
        {
            return ArmResponses.Config(slot, "web", slot.WebConfig.DeepClone());
        }
    }

    private static async Task UpdateWebConfigAsync(ArmCallContext call, EmulatedSlot slot)
    {
        var (body, error) = await ArmResponses.ReadJsonAsync(call.Context);
        if (error is not null || body!["properties"] is not JsonObject properties)
        {
            await ArmResponses.WriteErrorAsync(call.Context, error ?? new ArmError(400, "BadRequest", "The body must be {\"properties\": {...site config...}}."));
            return;
        }
        lock (slot.Site.Gate)
        {
            var updated = slot.WebConfig.DeepClone().AsObject();
            foreach (var (key, value) in properties)
            {
                updated[key] = value?.DeepClone();
            }
            var problem = ValidateWebConfig(slot.Site, updated);
            if (problem is null)
            {
                slot.WebConfig = updated;
            }
            error = problem;
        }
        if (error is not null)
        {
            await ArmResponses.WriteErrorAsync(call.Context, error);
            return;
        }
        await ArmResponses.WriteJsonAsync(call.Context, 200, WebConfigBody(slot));
    }

    private static ArmError? ValidateWebConfig(EmulatedSite site, JsonObject config)
    {
        static ArmError Bad(string message) => new(400, "BadRequest", message);
        if (config["healthCheckPath"] is { } healthNode)
        {
            if (healthNode.GetValueKind() != System.Text.Json.JsonValueKind.String || !healthNode.GetValue<string>().StartsWith('/'))
            {
                return Bad("healthCheckPath must be a path starting with '/'.");
            }
        }
        var experiments = config["experiments"];
        if (experiments is null)
        {
            config["experiments"] = new JsonObject { ["rampUpRules"] = new JsonArray() };
            return null;
        }
        if (experiments is not JsonObject || experiments["rampUpRules"] is not (null or JsonArray))
        {
            return Bad("experiments.rampUpRules must be an array of routing rules.");
        }
        if (experiments["rampUpRules"] is null)
        {
            experiments["rampUpRules"] = new JsonArray();
        }
        var total = 0.0;
        foreach (var rule in experiments["rampUpRules"]!.AsArray())
        {
            if (rule is not JsonObject ruleObject
                || ruleObject["actionHostName"] is not JsonValue host || host.GetValueKind() != System.Text.Json.JsonValueKind.String
                || ruleObject["reroutePercentage"] is not JsonValue percentageNode || percentageNode.GetValueKind() != System.Text.Json.JsonValueKind.Number)
            {
                return Bad("Every rampUpRule needs actionHostName (a slot's host name) and reroutePercentage (a number).");
            }
            var percentage = percentageNode.GetValue<double>();
            if (percentage is < 0 or > 100)
            {
                return Bad($"reroutePercentage {percentage} is outside 0..100.");
            }
            if (site.SlotByHost(host.GetValue<string>()) is null)
            {
                return Bad($"actionHostName '{host.GetValue<string>()}' is not the host name of a deployment slot of {site.Name}.");
            }
            total += percentage;
        }
        return total > 100 ? Bad($"The rampUpRules route {total} % of traffic; at most 100 % can be rerouted.") : null;
    }

    private static async Task UpdateAppSettingsAsync(ArmCallContext call, EmulatedSlot slot)
    {
        var (body, error) = await ArmResponses.ReadJsonAsync(call.Context);
        if (error is not null || body!["properties"] is not JsonObject properties)
        {
            await ArmResponses.WriteErrorAsync(call.Context, error ?? new ArmError(400, "BadRequest", "The body must be {\"properties\": {\"NAME\": \"value\", ...}}."));
            return;
        }
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            if (value is not JsonValue stringValue || stringValue.GetValueKind() != System.Text.Json.JsonValueKind.String)
            {
                await ArmResponses.WriteErrorAsync(call.Context, new ArmError(400, "BadRequest", $"The value of app setting '{key}' must be a string."));
                return;
            }
            settings[key] = stringValue.GetValue<string>();
        }
        lock (slot.Site.Gate)
        {
            slot.Settings = settings;
            slot.SettingsBeforeApply = null;
        }
        await ArmResponses.WriteJsonAsync(call.Context, 200, ArmResponses.AppSettings(slot));
    }

    private static async Task UpdateSlotConfigNamesAsync(ArmCallContext call, EmulatedSite site)
    {
        var (body, error) = await ArmResponses.ReadJsonAsync(call.Context);
        if (error is not null || body!["properties"] is not JsonObject properties)
        {
            await ArmResponses.WriteErrorAsync(call.Context, error ?? new ArmError(400, "BadRequest", "The body must be {\"properties\": {\"appSettingNames\": [...], \"connectionStringNames\": [...]}}."));
            return;
        }
        if (!TryStringList(properties["appSettingNames"], out var appSettings) || !TryStringList(properties["connectionStringNames"], out var connectionStrings))
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(400, "BadRequest", "appSettingNames and connectionStringNames must be arrays of strings (or null)."));
            return;
        }
        lock (site.Gate)
        {
            site.StickyAppSettings = appSettings;
            site.StickyConnectionStrings = connectionStrings;
        }
        await ArmResponses.WriteJsonAsync(call.Context, 200, ArmResponses.SlotConfigNames(site));
    }

    private static bool TryStringList(JsonNode? node, out List<string> values)
    {
        values = [];
        if (node is null)
        {
            return true;
        }
        if (node is not JsonArray array)
        {
            return false;
        }
        foreach (var item in array)
        {
            if (item is not JsonValue value || value.GetValueKind() != System.Text.Json.JsonValueKind.String)
            {
                return false;
            }
            values.Add(value.GetValue<string>());
        }
        return true;
    }

    private async Task<EmulatedSlot?> ReadTargetSlotAsync(ArmCallContext call, EmulatedSlot slot)
    {
        var (body, error) = await ArmResponses.ReadJsonAsync(call.Context);
        if (error is not null || body!["targetSlot"] is not JsonValue targetNode || targetNode.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            await ArmResponses.WriteErrorAsync(call.Context, error ?? new ArmError(400, "BadRequest", "The body must be {\"targetSlot\": \"<slot name or production>\", \"preserveVnet\": true}."));
            return null;
        }
        var targetName = targetNode.GetValue<string>();
        if (!slot.Site.TryGetSlot(targetName, out var target))
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(404, "ResourceNotFound",
                $"The Resource 'Microsoft.Web/sites/{slot.Site.Name}/slots/{targetName}' under resource group '{slot.Site.ResourceGroup}' was not found."));
            return null;
        }
        if (target == slot)
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(400, "BadRequest",
                $"Cannot swap slot '{slot.Name}' with itself: the site-level slotsswap swaps production with targetSlot, the slot-level one swaps the slot with targetSlot."));
            return null;
        }
        return target;
    }

    private async Task SwapAsync(ArmCallContext call, EmulatedSlot source)
    {
        var target = await ReadTargetSlotAsync(call, source);
        if (target is null)
        {
            return;
        }
        var site = source.Site;
        var now = server.Time.GetUtcNow();
        LongRunningOperation operation;
        var conflict = false;
        lock (site.Gate)
        {
            if (site.ActiveSwap is { Status: OperationStatus.InProgress } running)
            {
                conflict = true;
                operation = running;
            }
            else
            {
                var id = Guid.NewGuid().ToString();
                operation = new LongRunningOperation(id, OperationKind.Swap, site, source.Name, now)
                {
                    InjectedFailure = server.Faults.TakeOperationFault(OperationKind.Swap, site.Name),
                    Complete = () =>
                    {
                        SlotSwap.Exchange(source, target);
                        site.LastSwap = new SlotSwapStatus(server.Time.GetUtcNow(), source.Name, target.Name);
                        return null;
                    },
                    Finished = finished =>
                    {
                        lock (site.Gate)
                        {
                            if (site.ActiveSwap == finished)
                            {
                                site.ActiveSwap = null;
                            }
                        }
                        server.SwapLog.Finished(finished.Id, finished.EndedAt ?? server.Time.GetUtcNow(), finished.Status);
                        Log.OperationFinished(server.Logger, finished.Id, finished.Kind, site.Name, finished.Status);
                    },
                };
                site.ActiveSwap = operation;
                server.SwapLog.Started(new SwapRecord(id, site.ResourceId, site.Name, source.Name, target.Name, now, null, OperationStatus.InProgress, source.Content.Behaviour.Version, target.Content.Behaviour.Version));
            }
        }
        if (conflict)
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(409, "Conflict",
                $"Cannot modify this site because another operation is in progress. Details: Id: {operation.Id}, OperationName: SwapSiteSlots, CreatedTime: {ArmResponses.ArmTime(operation.StartedAt)}, EntityType: 3"));
            return;
        }
        Log.SwapStarted(server.Logger, operation.Id, site.Name, source.Name, target.Name);
        server.Operations.Start(operation);
        WriteOperationHeaders(call, site, operation);
        await ArmResponses.WriteJsonAsync(call.Context, 202, null);
    }

    private async Task ApplySlotConfigAsync(ArmCallContext call, EmulatedSlot slot)
    {
        var target = await ReadTargetSlotAsync(call, slot);
        if (target is null)
        {
            return;
        }
        lock (slot.Site.Gate)
        {
            SlotSwap.ApplyStickySettings(slot, target);
        }
        await ArmResponses.WriteJsonAsync(call.Context, 200, null);
    }

    private async Task DeployAsync(ArmCallContext call, EmulatedSlot slot)
    {
        var request = call.Context.Request;
        byte[]? package = null;
        string? problem = null;
        if (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true)
        {
            var (body, error) = await ArmResponses.ReadJsonAsync(call.Context);
            if (error is not null || body!["properties"]?["packageUri"] is not JsonValue uriNode
                || uriNode.GetValueKind() != System.Text.Json.JsonValueKind.String
                || !Uri.TryCreate(uriNode.GetValue<string>(), UriKind.Absolute, out var packageUri)
                || packageUri.Scheme is not ("http" or "https"))
            {
                await ArmResponses.WriteErrorAsync(call.Context, error ?? new ArmError(400, "BadRequest",
                    "The body must be {\"properties\": {\"packageUri\": \"http(s)://...\", \"type\": \"zip\"}}, or the zip itself as application/zip."));
                return;
            }
            var type = body["properties"]?["type"]?.ToString() ?? "zip";
            if (!type.Equals("zip", StringComparison.OrdinalIgnoreCase))
            {
                await ArmResponses.WriteErrorAsync(call.Context, new ArmError(400, "BadRequest", $"Deployment type '{type}' is not supported by the emulator: use \"zip\"."));
                return;
            }
            (package, problem) = await DownloadAsync(packageUri, call.Context.RequestAborted);
        }
        else
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, call.Context.RequestAborted);
            if (buffer.Length == 0)
            {
                await ArmResponses.WriteErrorAsync(call.Context, new ArmError(400, "BadRequest",
                    "The request body is empty: send the zip package (application/zip), or JSON with properties.packageUri."));
                return;
            }
            package = buffer.ToArray();
        }

        AppBehaviour? behaviour = null;
        if (package is not null)
        {
            try
            {
                behaviour = SamplePackage.Read(package);
            }
            catch (InvalidDataException ex)
            {
                problem = ex.Message;
            }
        }

        var site = slot.Site;
        var id = Guid.NewGuid().ToString();
        LongRunningOperation operation;
        var conflict = false;
        lock (site.Gate)
        {
            if (slot.LatestDeployment is { Operation.Status: OperationStatus.InProgress } running)
            {
                operation = running.Operation;
                conflict = true;
            }
            else
            {
                operation = new LongRunningOperation(id, OperationKind.Deployment, site, slot.Name, server.Time.GetUtcNow())
                {
                    InjectedFailure = server.Faults.TakeOperationFault(OperationKind.Deployment, site.Name),
                    Complete = () =>
                    {
                        if (behaviour is null)
                        {
                            return new ArmError(400, "DeploymentFailed", $"Deployment failed: {problem}");
                        }
                        if (behaviour.FailStartup)
                        {
                            return new ArmError(500, "DeploymentFailed",
                                $"Deployment failed: version {behaviour.Version} did not start (the package sets failStartup). The slot still runs its previous version.");
                        }
                        slot.Content = new SlotContent(behaviour, id, server.Time.GetUtcNow());
                        return null;
                    },
                    Finished = finished => Log.OperationFinished(server.Logger, finished.Id, finished.Kind, site.Name, finished.Status),
                };
                slot.LatestDeployment = new DeploymentRecord(id, operation, behaviour?.Version);
            }
        }
        if (conflict)
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(409, "Conflict",
                $"Another deployment ({operation.Id}) to slot '{slot.Name}' is in progress; wait for it to finish."));
            return;
        }
        Log.DeploymentAccepted(server.Logger, id, site.Name, slot.Name, behaviour?.Version ?? "(unreadable package)");
        server.Operations.Start(operation);
        WriteOperationHeaders(call, site, operation);
        await ArmResponses.WriteJsonAsync(call.Context, 202, DeploymentBody(slot));
    }

    private async Task<(byte[]? Package, string? Problem)> DownloadAsync(Uri packageUri, CancellationToken cancellationToken)
    {
        // The query may hold a SAS token: messages name the package without it.
        var safeName = packageUri.GetLeftPart(UriPartial.Path);
        try
        {
            using var response = await server.PackageClient.GetAsync(packageUri, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"downloading the package from {safeName} answered HTTP {(int)response.StatusCode}.");
            }
            return (await response.Content.ReadAsByteArrayAsync(cancellationToken), null);
        }
        catch (HttpRequestException ex)
        {
            return (null, $"the package could not be downloaded from {safeName}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"downloading the package from {safeName} timed out.");
        }
    }

    private static JsonObject? DeploymentBody(EmulatedSlot slot)
    {
        lock (slot.Site.Gate)
        {
            return slot.LatestDeployment is { } deployment ? ArmResponses.Deployment(slot, deployment) : null;
        }
    }

    private async Task DeploymentStatusAsync(ArmCallContext call, EmulatedSlot slot)
    {
        DeploymentRecord? deployment;
        lock (slot.Site.Gate)
        {
            deployment = slot.LatestDeployment;
        }
        if (deployment is null)
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(404, "ResourceNotFound", $"No OneDeploy deployment has been made to slot '{slot.Name}' of {slot.Site.Name}."));
            return;
        }
        server.Operations.Poll(deployment.Operation.Id);
        await ArmResponses.WriteJsonAsync(call.Context, 200, DeploymentBody(slot));
    }

    private static Task GetBackupConfigAsync(ArmCallContext call, EmulatedSlot slot)
    {
        JsonObject? config;
        lock (slot.Site.Gate)
        {
            config = slot.Site.BackupConfig?.DeepClone().AsObject();
        }
        return config is null
            ? ArmResponses.WriteErrorAsync(call.Context, new ArmError(404, "NotFound", $"Backup configuration not found for site '{slot.Site.Name}'."))
            : ArmResponses.WriteJsonAsync(call.Context, 200, ArmResponses.Config(slot, "backup", config));
    }

    private static async Task PutBackupConfigAsync(ArmCallContext call, EmulatedSlot slot)
    {
        var (body, error) = await ArmResponses.ReadJsonAsync(call.Context);
        if (error is not null || body!["properties"] is not JsonObject properties || properties["storageAccountUrl"] is not JsonValue)
        {
            await ArmResponses.WriteErrorAsync(call.Context, error ?? new ArmError(400, "BadRequest", "The body must be {\"properties\": {\"storageAccountUrl\": \"...\", \"backupSchedule\": {...}}}."));
            return;
        }
        lock (slot.Site.Gate)
        {
            slot.Site.BackupConfig = properties.DeepClone().AsObject();
        }
        await GetBackupConfigAsync(call, slot);
    }

    private async Task BackupAsync(ArmCallContext call, EmulatedSlot slot)
    {
        var (body, error) = await ArmResponses.ReadJsonAsync(call.Context);
        if (error is not null || body!["properties"] is not JsonObject properties
            || properties["storageAccountUrl"] is not JsonValue storageNode || storageNode.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            await ArmResponses.WriteErrorAsync(call.Context, error ?? new ArmError(400, "BadRequest", "The body must be {\"properties\": {\"storageAccountUrl\": \"<container SAS URL>\", \"backupName\": \"...\"}}."));
            return;
        }
        var site = slot.Site;
        var now = server.Time.GetUtcNow();
        var name = properties["backupName"]?.ToString() is { Length: > 0 } given ? given : $"{site.Name}_{now.UtcDateTime:yyyyMMddHHmmss}";
        // A failed backup leaves no blob; one that storage refuses fails.
        var injected = server.Faults.TakeOperationFault(OperationKind.Backup, site.Name)
            ?? await BackupBlobs.WriteAsync(server.PackageClient, storageNode.GetValue<string>(), name, slot, now, call.Context.RequestAborted);
        BackupRecord backup;
        lock (site.Gate)
        {
            var id = site.Backups.Count + 1;
            var operation = new LongRunningOperation(Guid.NewGuid().ToString(), OperationKind.Backup, site, slot.Name, now)
            {
                InjectedFailure = injected,
                Complete = () => null,
                Finished = finished => Log.OperationFinished(server.Logger, finished.Id, finished.Kind, site.Name, finished.Status),
            };
            backup = new BackupRecord(id, name, storageNode.GetValue<string>(), now, slot.Content, new Dictionary<string, string>(slot.Settings, StringComparer.Ordinal),
                properties["databases"] as JsonArray is { } databases ? databases.DeepClone().AsArray() : [])
            {
                Operation = operation,
                Slot = slot.Name,
            };
            site.Backups.Add(backup);
        }
        server.Operations.Start(backup.Operation);
        await ArmResponses.WriteJsonAsync(call.Context, 200, BackupBody(slot, backup));
    }

    private static JsonObject BackupBody(EmulatedSlot slot, BackupRecord backup)
    {
        lock (slot.Site.Gate)
        {
            return ArmResponses.Backup(slot, backup);
        }
    }

    private static Task ListBackupsAsync(ArmCallContext call, EmulatedSlot slot)
    {
        JsonArray items;
        lock (slot.Site.Gate)
        {
            items = new JsonArray(slot.Site.Backups.Select(b => (JsonNode?)ArmResponses.Backup(slot, b)).ToArray());
        }
        return ArmResponses.WriteJsonAsync(call.Context, 200, new JsonObject { ["value"] = items });
    }

    private BackupRecord? FindBackup(EmulatedSlot slot, string id)
    {
        lock (slot.Site.Gate)
        {
            return slot.Site.Backups.FirstOrDefault(b => b.Id.ToString(CultureInfo.InvariantCulture) == id);
        }
    }

    private async Task GetBackupAsync(ArmCallContext call, EmulatedSlot slot, string id)
    {
        if (FindBackup(slot, id) is not { } backup)
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(404, "NotFound", $"Backup '{id}' of site '{slot.Site.Name}' was not found."));
            return;
        }
        server.Operations.Poll(backup.Operation.Id);
        await ArmResponses.WriteJsonAsync(call.Context, 200, BackupBody(slot, backup));
    }

    /// <summary>
    /// Restores a backup of the site into the slot the request is posted on (ARM's Restore / Restore Slot: the path names
    /// the target). A backup id belongs to the slot that made it, so <c>backups/{id}/restore</c> finds only that slot's
    /// own backups; a backup of another slot (a DR test restoring production's backup into its DR slot) is restored by
    /// blob, as the Azure CLI does: <c>slots/{dr}/backups/0/restore</c> with <c>blobName</c>. <c>siteName</c>, when
    /// given, must be the site's own name (restoring into another app is not emulated), and <c>overwrite</c> must be
    /// true: the slot exists, and ARM refuses to restore over an existing app without it.
    /// </summary>
    private async Task RestoreAsync(ArmCallContext call, EmulatedSlot slot, string id)
    {
        var (body, error) = await ArmResponses.ReadJsonAsync(call.Context);
        if (error is not null || body!["properties"] is not JsonObject properties)
        {
            await ArmResponses.WriteErrorAsync(call.Context, error ?? new ArmError(400, "BadRequest", "The body must be {\"properties\": {\"storageAccountUrl\": \"...\", \"overwrite\": true}}."));
            return;
        }
        var blobName = properties["blobName"] is JsonValue blob && blob.GetValueKind() == System.Text.Json.JsonValueKind.String ? blob.GetValue<string>() : null;
        var backup = id == "0"
            ? (blobName is null ? null : FindBackupByBlob(slot, blobName))
            : FindOwnBackup(slot, id);
        if (backup is null)
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(404, "NotFound", id == "0"
                ? $"No backup blob '{blobName}' of site '{slot.Site.Name}' was found."
                : $"Backup '{id}' of site '{slot.Site.Name}' slot '{slot.Name}' was not found."));
            return;
        }
        var site = slot.Site;
        if (properties["siteName"] is JsonValue target && target.GetValueKind() == System.Text.Json.JsonValueKind.String
            && !string.Equals(target.GetValue<string>(), site.Name, StringComparison.OrdinalIgnoreCase))
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(400, "BadRequest",
                $"The emulator restores a backup of {site.Name} into {site.Name} or one of its slots only, not into '{target.GetValue<string>()}'."));
            return;
        }
        if (properties["overwrite"] is not JsonValue overwrite || overwrite.GetValueKind() != System.Text.Json.JsonValueKind.True)
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(409, "Conflict",
                $"The site '{site.Name}' (slot '{slot.Name}') already exists; set overwrite to true to restore over it."));
            return;
        }
        LongRunningOperation operation;
        var conflict = false;
        lock (site.Gate)
        {
            if (backup.Operation.Status != OperationStatus.Succeeded)
            {
                operation = backup.Operation;
                conflict = true;
            }
            else
            {
                var fault = server.Faults.TakeRestoreFault(site.Name);
                operation = new LongRunningOperation(Guid.NewGuid().ToString(), OperationKind.Restore, site, slot.Name, server.Time.GetUtcNow())
                {
                    InjectedFailure = server.Faults.TakeOperationFault(OperationKind.Restore, site.Name),
                    Duration = fault?.Duration,
                    Complete = () =>
                    {
                        var now = server.Time.GetUtcNow();
                        var content = backup.Content with { DeployedAt = now };
                        slot.Content = fault is { Unhealthy: true } ? content with { Behaviour = content.Behaviour with { Healthy = false } } : content;
                        slot.Settings = new Dictionary<string, string>(backup.Settings, StringComparer.Ordinal);
                        backup.LastRestore = now;
                        return null;
                    },
                    Finished = finished => Log.OperationFinished(server.Logger, finished.Id, finished.Kind, site.Name, finished.Status),
                };
            }
        }
        if (conflict)
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(409, "Conflict", $"Backup '{backup.Id}' cannot be restored while its status is {operation.Status}."));
            return;
        }
        server.Operations.Start(operation);
        WriteOperationHeaders(call, site, operation);
        await ArmResponses.WriteJsonAsync(call.Context, 202, null);
    }

    private static BackupRecord? FindOwnBackup(EmulatedSlot slot, string id)
    {
        lock (slot.Site.Gate)
        {
            return slot.Site.Backups.FirstOrDefault(b => b.Id.ToString(CultureInfo.InvariantCulture) == id
                && string.Equals(b.Slot, slot.Name, StringComparison.OrdinalIgnoreCase));
        }
    }

    private static BackupRecord? FindBackupByBlob(EmulatedSlot slot, string blobName)
    {
        lock (slot.Site.Gate)
        {
            return slot.Site.Backups.LastOrDefault(b => string.Equals(b.Name, blobName, StringComparison.OrdinalIgnoreCase)
                || string.Equals(b.Name + ".zip", blobName, StringComparison.OrdinalIgnoreCase));
        }
    }

    private async Task OperationResultAsync(ArmCallContext call, EmulatedSlot slot, string id)
    {
        var operation = server.Operations.Poll(id);
        if (operation is null || operation.Site != slot.Site)
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(404, "NotFound", $"Operation '{id}' was not found."));
            return;
        }
        OperationStatus status;
        ArmError? error;
        lock (operation.Site.Gate)
        {
            status = operation.Status;
            error = operation.Error;
        }
        switch (status)
        {
            case OperationStatus.InProgress:
                WriteOperationHeaders(call, operation.Site, operation);
                await ArmResponses.WriteJsonAsync(call.Context, 202, null);
                return;
            case OperationStatus.Failed:
                await ArmResponses.WriteErrorAsync(call.Context, error!);
                return;
            default:
                var result = operation.Kind == OperationKind.Deployment && operation.Site.TryGetSlot(operation.Slot, out var deployed) ? DeploymentBody(deployed) : null;
                await ArmResponses.WriteJsonAsync(call.Context, 200, result);
                return;
        }
    }

    private async Task AsyncOperationStatusAsync(ArmCallContext call, string subscriptionId, string siteName, string id, string path)
    {
        var operation = server.Operations.Poll(id);
        if (operation is null || !operation.Site.Name.Equals(siteName, StringComparison.OrdinalIgnoreCase)
            || !operation.Site.SubscriptionId.Equals(subscriptionId, StringComparison.OrdinalIgnoreCase))
        {
            await ArmResponses.WriteErrorAsync(call.Context, new ArmError(404, "NotFound", $"Operation '{id}' was not found."));
            return;
        }
        JsonObject body;
        lock (operation.Site.Gate)
        {
            body = ArmResponses.OperationStatusBody(path, operation);
        }
        await ArmResponses.WriteJsonAsync(call.Context, 200, body);
    }

    private void WriteOperationHeaders(ArmCallContext call, EmulatedSite site, LongRunningOperation operation)
    {
        var request = call.Context.Request;
        var origin = $"{request.Scheme}://{request.Host}";
        var version = Uri.EscapeDataString(call.ApiVersion);
        var headers = call.Context.Response.Headers;
        headers.Location = $"{origin}/subscriptions/{site.SubscriptionId}/resourceGroups/{site.ResourceGroup}/providers/Microsoft.Web/sites/{site.Name}/operationresults/{operation.Id}?api-version={version}";
        headers["Azure-AsyncOperation"] = $"{origin}/subscriptions/{site.SubscriptionId}/providers/Microsoft.Web/sites/{site.Name}/operationResults/{operation.Id}?api-version={version}";
        headers.RetryAfter = ((int)Math.Ceiling(server.Options.OperationRetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    private sealed record ArmCallContext(HttpContext Context, string ApiVersion);
}
