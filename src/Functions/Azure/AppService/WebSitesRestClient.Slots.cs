using Azure.Core;

namespace Blueshift.Functions.Azure.AppService;

internal sealed partial class WebSitesRestClient
{
    public HttpMessage CreateStartRequest(SiteId site) => Create(RequestMethod.Post, site, "/start");

    public HttpMessage CreateStopRequest(SiteId site) => Create(RequestMethod.Post, site, "/stop");
}
