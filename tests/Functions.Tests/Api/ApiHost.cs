using System.Net.Http.Headers;
using System.Text;
using Blueshift.Functions.Tests.Security;
using Blueshift.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Blueshift.Functions.Tests.Api;

/// <summary>
/// The real handler (Program) in process, on Azurite, with App Service Authentication declared on so tests act as people
/// through the principal header, the way Easy Auth presents them. Every host gets its own tables.
/// </summary>
internal static class ApiHost
{
    public static WebApplicationFactory<Program> Create(AzuriteFixture azurite, IDictionary<string, string?>? settings = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("AzureWebJobsStorage", azurite.ConnectionString);
            builder.UseSetting("Blueshift:Api:AppsTable", AzuriteFixture.UniqueName("apps"));
            builder.UseSetting("Blueshift:Audit:TableName", AzuriteFixture.UniqueName("audit"));
            builder.UseSetting("Blueshift:Security:AppServiceAuthentication", "true");
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                builder.UseSetting(key, value);
            }
        });

    public static HttpClient As(this WebApplicationFactory<Program> app, string userId, params string[] roles)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-MS-CLIENT-PRINCIPAL", ClientPrincipalTests.Header(userId, userId, roles));
        return client;
    }

    public static StringContent Json(string json, string mediaType = "application/json") =>
        new(json, Encoding.UTF8, new MediaTypeHeaderValue(mediaType));
}
