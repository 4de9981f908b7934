using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure.AppService;

/// <summary>The REST layer of <see cref="WebSitesClient"/>: one <c>CreateXRequest</c> per Microsoft.Web operation.</summary>
internal sealed partial class WebSitesRestClient(HttpPipeline pipeline, Uri endpoint)
{
    public const string ApiVersion = "2024-04-01";

    public HttpPipeline Pipeline => pipeline;

    public Uri Endpoint => endpoint;

    public HttpMessage CreateGetSiteRequest(SiteId site) => Create(RequestMethod.Get, site);

    public HttpMessage CreateGetConfigurationRequest(SiteId site) => Create(RequestMethod.Get, site, "/config/web");

    public HttpMessage CreateUpdateConfigurationRequest(SiteId site, SiteConfigUpdate update) =>
        WithBody(Create(RequestMethod.Patch, site, "/config/web"), ArmJson.Write(update.WriteTo));

    public HttpMessage CreateListApplicationSettingsRequest(SiteId site) => Create(RequestMethod.Post, site, "/config/appsettings/list");

    public HttpMessage CreateUpdateApplicationSettingsRequest(SiteId site, IReadOnlyDictionary<string, string> settings) =>
        WithBody(Create(RequestMethod.Put, site, "/config/appsettings"), ArmJson.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("properties");
            foreach (var (name, value) in settings)
            {
                writer.WriteString(name, value);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }));

    public HttpMessage CreateGetSlotConfigNamesRequest(SiteId site) => Create(RequestMethod.Get, site.Production, "/config/slotConfigNames");

    public HttpMessage CreateUpdateSlotConfigNamesRequest(SiteId site, SlotConfigNames names) =>
        WithBody(Create(RequestMethod.Put, site.Production, "/config/slotConfigNames"), ArmJson.Write(names.WriteTo));

    public HttpMessage CreateSwapSlotRequest(SiteId source, string targetSlot, bool preserveVnet) =>
        NonIdempotent(WithBody(Create(RequestMethod.Post, source, "/slotsswap"), SlotSwapEntity(targetSlot, preserveVnet)));

    public HttpMessage CreateApplySlotConfigRequest(SiteId source, string targetSlot, bool preserveVnet) =>
        NonIdempotent(WithBody(Create(RequestMethod.Post, source, "/applySlotConfig"), SlotSwapEntity(targetSlot, preserveVnet)));

    public HttpMessage CreateResetSlotConfigRequest(SiteId site) => Create(RequestMethod.Post, site, "/resetSlotConfig");

    public HttpMessage CreateOneDeployRequest(SiteId site, Uri packageUri, string type) =>
        NonIdempotent(WithBody(Create(RequestMethod.Put, site, "/extensions/onedeploy"), ArmJson.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("properties");
            writer.WriteString("packageUri", packageUri.AbsoluteUri);
            writer.WriteString("type", type);
            writer.WriteEndObject();
            writer.WriteEndObject();
        })));

    public HttpMessage CreateRestartRequest(SiteId site, bool softRestart, bool synchronous)
    {
        var message = Create(RequestMethod.Post, site, "/restart");
        message.Request.Uri.AppendQuery("softRestart", softRestart ? "true" : "false", escapeValue: false);
        message.Request.Uri.AppendQuery("synchronous", synchronous ? "true" : "false", escapeValue: false);
        return message;
    }

    public HttpMessage CreateBackupRequest(SiteId site, BackupRequest request) =>
        NonIdempotent(WithBody(Create(RequestMethod.Post, site, "/backup"), ArmJson.Write(request.WriteTo)));

    public HttpMessage CreateListBackupsRequest(SiteId site) => Create(RequestMethod.Get, site, "/backups");

    /// <summary>The next page of a list; the link must stay on the ARM endpoint (it is sent the bearer token).</summary>
    public HttpMessage CreateListBackupsNextPageRequest(string nextLink) => ArmOperations.CreatePollRequest(pipeline, endpoint, nextLink);

    public HttpMessage CreateGetBackupRequest(SiteId site, long backupId) =>
        Create(RequestMethod.Get, site, "/backups/" + backupId.ToString(CultureInfo.InvariantCulture));

    public HttpMessage CreateRestoreRequest(SiteId site, long backupId, RestoreRequest request) =>
        NonIdempotent(WithBody(Create(RequestMethod.Post, site, $"/backups/{backupId.ToString(CultureInfo.InvariantCulture)}/restore"), ArmJson.Write(request.WriteTo)));

    public HttpMessage CreateGetBackupConfigurationRequest(SiteId site) => Create(RequestMethod.Post, site, "/config/backup/list");

    public HttpMessage CreateUpdateBackupConfigurationRequest(SiteId site, BackupRequest request) =>
        WithBody(Create(RequestMethod.Put, site, "/config/backup"), ArmJson.Write(request.WriteTo));

    private HttpMessage Create(RequestMethod method, SiteId site, string? suffix = null)
    {
        var message = pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        var uri = request.Uri;
        uri.Reset(endpoint);
        uri.AppendPath("/subscriptions/", escape: false);
        uri.AppendPath(site.SubscriptionId, escape: true);
        uri.AppendPath("/resourceGroups/", escape: false);
        uri.AppendPath(site.ResourceGroupName, escape: true);
        uri.AppendPath("/providers/Microsoft.Web/sites/", escape: false);
        uri.AppendPath(site.SiteName, escape: true);
        if (site.SlotName is not null)
        {
            uri.AppendPath("/slots/", escape: false);
            uri.AppendPath(site.SlotName, escape: true);
        }
        if (suffix is not null)
        {
            uri.AppendPath(suffix, escape: false);
        }
        uri.AppendQuery("api-version", ApiVersion, escapeValue: true);
        request.Headers.Add("Accept", "application/json");
        return message;
    }

    private static HttpMessage WithBody(HttpMessage message, RequestContent content)
    {
        message.Request.Headers.Add("Content-Type", "application/json");
        message.Request.Content = content;
        return message;
    }

    private static HttpMessage NonIdempotent(HttpMessage message)
    {
        message.ResponseClassifier = NonIdempotentResponseClassifier.Instance;
        return message;
    }

    private static RequestContent SlotSwapEntity(string targetSlot, bool preserveVnet) => ArmJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("targetSlot", targetSlot);
        writer.WriteBoolean("preserveVnet", preserveVnet);
        writer.WriteEndObject();
    });
}
