using System.Net;
using System.Text;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Releases;
using Blueshift.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Releases;

public sealed class ReleasesModuleTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private WebApplicationFactory<Program> Host() =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("AzureWebJobsStorage", azurite.ConnectionString);
            builder.UseSetting("Blueshift:Releases:TableName", AzuriteFixture.UniqueName("rel"));
            builder.UseSetting("Blueshift:Releases:TickSchedule", "*/15 * * * * *");
        });

    [Fact]
    public void Catalog_ReleaseEngine_DeclaresTheReconcileTickWithTheConfiguredSchedule()
    {
        using var host = Host();

        var catalog = host.Services.GetRequiredService<FunctionCatalog>();

        var tick = Assert.IsType<TimerFunction>(catalog.Find(ReconcileTick.FunctionName));
        Assert.Equal("*/15 * * * * *", tick.Schedule);
    }

    [Fact]
    public async Task PostReconcileTick_HostTimerPayload_RunsTheTickAndAnswersTheInvocationProtocol()
    {
        using var host = Host();
        using var client = host.CreateClient();
        const string payload = """{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{}}""";

        using var response = await client.PostAsync("/" + ReconcileTick.FunctionName, new StringContent(payload, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"Logs\"", await response.Content.ReadAsStringAsync());
    }
}
