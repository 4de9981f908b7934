using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator;

/// <summary>The JSON shapes ARM answers with, after the official Microsoft.Web examples (2024-04-01).</summary>
internal static class ArmResponses
{
    public static string ArmTime(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static async Task WriteJsonAsync(HttpContext context, int status, JsonNode? body)
    {
        context.Response.StatusCode = status;
        if (body is null)
        {
            return;
        }
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, ArmError error) =>
        WriteJsonAsync(context, error.Status, ErrorBody(error.Code, error.Message));

    public static JsonObject ErrorBody(string code, string message) => new()
    {
        ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
    };

    public static JsonObject Site(EmulatedSlot slot)
    {
        var site = slot.Site;
        var host = slot.DefaultHostName;
        JsonObject properties;
        lock (site.Gate)
        {
            properties = new JsonObject
            {
                ["state"] = slot.Stopped ? "Stopped" : "Running",
                ["hostNames"] = new JsonArray(host),
                ["repositorySiteName"] = site.Name,
                ["usageState"] = "Normal",
                ["enabled"] = true,
                ["enabledHostNames"] = new JsonArray(host),
                ["availabilityState"] = "Normal",
                ["hostNameSslStates"] = new JsonArray(new JsonObject { ["name"] = host, ["sslState"] = "Disabled", ["hostType"] = "Standard" }),
                ["serverFarmId"] = $"/subscriptions/{site.SubscriptionId}/resourceGroups/{site.ResourceGroup}/providers/Microsoft.Web/serverfarms/{site.Name}-plan",
                ["reserved"] = false,
                ["isXenon"] = false,
                ["hyperV"] = false,
                ["lastModifiedTimeUtc"] = ArmTime(slot.Content.DeployedAt),
                ["vnetRouteAllEnabled"] = false,
                ["vnetImagePullEnabled"] = false,
                ["vnetContentShareEnabled"] = false,
                ["siteConfig"] = slot.WebConfig.DeepClone(),
                ["scmSiteAlsoStopped"] = false,
                ["clientAffinityEnabled"] = true,
                ["clientCertEnabled"] = false,
                ["clientCertMode"] = "Required",
                ["hostNamesDisabled"] = false,
                ["customDomainVerificationId"] = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(site.ResourceId.ToLowerInvariant()))),
                ["outboundIpAddresses"] = "127.0.0.1",
                ["possibleOutboundIpAddresses"] = "127.0.0.1",
                ["containerSize"] = 0,
                ["dailyMemoryTimeQuota"] = 0,
                ["resourceGroup"] = site.ResourceGroup,
                ["defaultHostName"] = host,
                ["httpsOnly"] = false,
                ["redundancyMode"] = "None",
                ["storageAccountRequired"] = false,
                ["keyVaultReferenceIdentity"] = "SystemAssigned",
            };
            if (site.LastSwap is { } swap
                && (slot.Name.Equals(swap.SourceSlotName, StringComparison.OrdinalIgnoreCase) || slot.Name.Equals(swap.DestinationSlotName, StringComparison.OrdinalIgnoreCase)))
            {
                properties["slotSwapStatus"] = new JsonObject
                {
                    ["timestampUtc"] = ArmTime(swap.TimestampUtc),
                    ["sourceSlotName"] = swap.SourceSlotName,
                    ["destinationSlotName"] = swap.DestinationSlotName,
                };
            }
        }
        return new JsonObject
        {
            ["id"] = slot.ResourceId,
            ["name"] = slot.IsProduction ? site.Name : $"{site.Name}/{slot.Name}",
            ["type"] = slot.IsProduction ? "Microsoft.Web/sites" : "Microsoft.Web/sites/slots",
            ["kind"] = "app",
            ["location"] = site.Location,
            ["properties"] = properties,
        };
    }

    public static JsonObject Config(EmulatedSlot slot, string name, JsonNode properties) => new()
    {
        ["id"] = $"{slot.ResourceId}/config/{name}",
        ["name"] = name,
        ["type"] = slot.IsProduction ? "Microsoft.Web/sites/config" : "Microsoft.Web/sites/slots/config",
        ["kind"] = "app",
        ["properties"] = properties,
    };

    public static JsonObject AppSettings(EmulatedSlot slot)
    {
        var properties = new JsonObject();
        lock (slot.Site.Gate)
        {
            foreach (var (key, value) in slot.Settings.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                properties[key] = value;
            }
        }
        return Config(slot, "appsettings", properties);
    }

    public static JsonObject SlotConfigNames(EmulatedSite site)
    {
        lock (site.Gate)
        {
            return Config(site.Production, "slotConfigNames", new JsonObject
            {
                ["connectionStringNames"] = new JsonArray(site.StickyConnectionStrings.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
                ["appSettingNames"] = new JsonArray(site.StickyAppSettings.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
                ["azureStorageConfigNames"] = null,
            });
        }
    }

    public static JsonObject Deployment(EmulatedSlot slot, DeploymentRecord deployment)
    {
        var operation = deployment.Operation;
        var (code, text) = operation.Status switch
        {
            OperationStatus.Succeeded => (4, "Success"),
            OperationStatus.Failed => (3, "Failed"),
            _ => (1, "Building"),
        };
        return new JsonObject
        {
            ["id"] = $"{slot.ResourceId}/extensions/onedeploy",
            ["name"] = "onedeploy",
            ["type"] = slot.IsProduction ? "Microsoft.Web/sites/extensions" : "Microsoft.Web/sites/slots/extensions",
            ["properties"] = new JsonObject
            {
                ["deploymentId"] = deployment.Id,
                ["provisioningState"] = operation.Status.ToString(),
                ["status"] = code,
                ["statusText"] = text,
                ["complete"] = operation.Status != OperationStatus.InProgress,
                ["active"] = operation.Status == OperationStatus.Succeeded,
                ["version"] = deployment.Version,
                ["message"] = operation.Error?.Message ?? (operation.Status == OperationStatus.Succeeded ? "Deployment successful." : "Deployment in progress."),
                ["startTime"] = ArmTime(operation.StartedAt),
                ["endTime"] = operation.EndedAt is { } end ? ArmTime(end) : null,
            },
        };
    }

    public static JsonObject Backup(EmulatedSlot slot, BackupRecord backup)
    {
        var operation = backup.Operation;
        var size = 1_000_000L + backup.Content.Behaviour.Version.Length;
        return new JsonObject
        {
            ["id"] = $"{slot.ResourceId}/backups/{backup.Id}",
            ["name"] = slot.Site.Name,
            ["type"] = "Microsoft.Web/sites",
            ["properties"] = new JsonObject
            {
                ["id"] = backup.Id,
                ["storageAccountUrl"] = backup.StorageAccountUrl,
                ["blobName"] = backup.Name,
                ["name"] = backup.Name,
                ["status"] = operation.Status.ToString(),
                ["sizeInBytes"] = size,
                ["created"] = ArmTime(backup.Created),
                ["log"] = operation.Error?.Message ?? (operation.Status == OperationStatus.Succeeded ? "Succeeded" : ""),
                ["databases"] = backup.Databases.DeepClone(),
                ["scheduled"] = false,
                ["lastRestoreTimeStamp"] = backup.LastRestore is { } restored ? ArmTime(restored) : null,
                ["finishedTimeStamp"] = operation.EndedAt is { } end ? ArmTime(end) : null,
                ["websiteSizeInBytes"] = size,
            },
        };
    }

    public static JsonObject OperationStatusBody(string id, LongRunningOperation operation)
    {
        var body = new JsonObject
        {
            ["id"] = id,
            ["name"] = operation.Id,
            ["status"] = operation.Status.ToString(),
            ["startTime"] = ArmTime(operation.StartedAt),
        };
        if (operation.EndedAt is { } end)
        {
            body["endTime"] = ArmTime(end);
        }
        if (operation.Error is { } error)
        {
            body["error"] = new JsonObject { ["code"] = error.Code, ["message"] = error.Message };
        }
        return body;
    }

    public static async Task<(JsonObject? Body, ArmError? Error)> ReadJsonAsync(HttpContext context)
    {
        try
        {
            var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return node is JsonObject body
                ? (body, null)
                : (null, new ArmError(400, "InvalidRequestContent", "The request content must be a JSON object."));
        }
        catch (JsonException ex)
        {
            return (null, new ArmError(400, "InvalidRequestContent", $"The request content was invalid and could not be deserialized: {ex.Message}"));
        }
    }
}
