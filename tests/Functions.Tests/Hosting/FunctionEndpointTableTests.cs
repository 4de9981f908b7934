using System.Net;
using Blueshift.Functions.Api;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Releases;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Hosting;

public sealed class FunctionEndpointTableTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public void Table_EveryHttpFunction_HasItsEndpointWithTheSameTrigger()
    {
        using var host = Host();

        var table = host.Services.GetRequiredService<FunctionEndpointTable>();

        var declared = FunctionDeclarations.Http(typeof(Program).Assembly);
        Assert.Equal(declared.Select(d => d.Name).Order(), table.Functions.Select(f => f.Name).Order());
        Assert.Contains(table.Functions, f => f.Name == "StartRelease" && f.Route == "releases" && f.AuthLevel == AuthLevel.Function);
    }

    [Fact]
    public void Table_EndpointWithoutFunction_RefusesToStartNamingIt()
    {
        using var host = Host();

        var ex = Assert.Throws<InvalidOperationException>(() => ActivatorUtilities.CreateInstance<FunctionEndpointTable>(
            host.Services, host.Services.GetServices<IFunctionModule>().Append(new OrphanModule())));

        Assert.Contains("'Orphan'", ex.Message);
    }

    [Fact]
    public void Table_FunctionWithoutEndpoint_RefusesToStartNamingIt()
    {
        using var host = Host();

        var ex = Assert.Throws<InvalidOperationException>(() => ActivatorUtilities.CreateInstance<FunctionEndpointTable>(
            host.Services, host.Services.GetServices<IFunctionModule>().Where(m => m is not OpenApiModule)));

        Assert.Contains("Function 'OpenApiDocument'", ex.Message);
    }

    [Fact]
    public async Task DiagnosticsEcho_DiagnosticsOff_Returns404Problem()
    {
        using var host = Host();

        using var response = await host.CreateClient().GetAsync("/api/diagnostics/echo/x");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private FunctionsTestHost Host() => Api.ApiHost.Create(azurite, new Dictionary<string, string?>
    {
        ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("rel"),
    });

    private sealed class OrphanModule : IFunctionModule
    {
        public void Map(IEndpointRouteBuilder endpoints) =>
            endpoints.MapHttpFunction(new HttpFunction("Orphan", "orphan", ["GET"], AuthLevel.Function), () => "orphan");
    }
}
