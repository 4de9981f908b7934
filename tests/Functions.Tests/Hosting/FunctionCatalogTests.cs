using Blueshift.Functions.Diagnostics;
using Blueshift.Functions.Health;
using Blueshift.Functions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Hosting;

public sealed class FunctionCatalogTests(HandlerFactory factory) : IClassFixture<HandlerFactory>
{
    [Fact]
    public void Catalog_EveryEntry_IsMappedWithItsRouteAndMethods()
    {
        AssertCatalogMatchesEndpoints(factory);
    }

    [Fact]
    public void Catalog_WithDiagnosticsEnabled_IncludesDiagnosticsAndMatchesEndpoints()
    {
        using var withDiagnostics = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            b.UseSetting(AppSettings.ConfigurationKey(AppSettings.DiagnosticsEnabled), "true"));

        var catalog = AssertCatalogMatchesEndpoints(withDiagnostics);

        Assert.Contains(catalog.Functions, f => f == DiagnosticsModule.Echo);
        Assert.Contains(catalog.Functions, f => f == DiagnosticsModule.Queue);
    }

    [Fact]
    public void Catalog_ByDefault_HasHealthButNoDiagnostics()
    {
        using var plain = new WebApplicationFactory<Program>();

        var catalog = plain.Services.GetRequiredService<FunctionCatalog>();

        Assert.Subset(catalog.Functions.OfType<HttpFunction>().ToHashSet(), new HashSet<HttpFunction> { HealthModule.Health, HealthModule.Live, HealthModule.Ready });
        Assert.DoesNotContain(catalog.Functions, f => f.Name.StartsWith("Diagnostics", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_InvalidEntries_ThrowsNamingEveryProblem()
    {
        var module = new FixedModule(
            new HttpFunction("Dup", "a", ["GET"], AuthLevel.Function),
            new HttpFunction("dup", "/api/b", ["FETCH"], AuthLevel.Function),
            new TimerFunction("BadTimer", "*/5 * * * *"),
            new QueueFunction("BadQueue", "Upper_Case"),
            new HttpFunction("1st", "c", ["GET"], AuthLevel.Anonymous));

        var ex = Assert.Throws<InvalidOperationException>(() => new FunctionCatalog([module]));

        Assert.Contains("'Dup' is declared 2 times", ex.Message);
        Assert.Contains("route '/api/b'", ex.Message);
        Assert.Contains("[FETCH]", ex.Message);
        Assert.Contains("'*/5 * * * *' is neither a 6-field NCRONTAB", ex.Message);
        Assert.Contains("'Upper_Case'", ex.Message);
        Assert.Contains("'1st' must start with a letter", ex.Message);
    }

    [Fact]
    public void Constructor_SameRouteAndMethodTwice_Throws()
    {
        var module = new FixedModule(
            new HttpFunction("One", "releases/{id}", ["GET"], AuthLevel.Function),
            new HttpFunction("Two", "Releases/{id}", ["get", "POST"], AuthLevel.Function));

        var ex = Assert.Throws<InvalidOperationException>(() => new FunctionCatalog([module]));

        Assert.Contains("GET releases/{id}", ex.Message);
    }

    [Fact]
    public void Constructor_AppSettingSchedule_IsAccepted()
    {
        var catalog = new FunctionCatalog([new FixedModule(new TimerFunction("Tick", "%TickSchedule%"), new QueueFunction("Work", "%WorkQueue%"))]);

        Assert.Equal(2, catalog.Functions.Count);
    }

    [Fact]
    public void MapTimerFunction_NameNotInCatalog_ThrowsAtStartUp()
    {
        using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            b.ConfigureServices(s => s.AddFunctionModule<UndeclaredModule>()));

        var ex = Assert.Throws<InvalidOperationException>(() => app.CreateClient());

        Assert.Contains("No TimerFunction named 'Undeclared'", ex.Message);
    }

    private static FunctionCatalog AssertCatalogMatchesEndpoints(WebApplicationFactory<Program> app)
    {
        app.CreateClient().Dispose();
        var catalog = app.Services.GetRequiredService<FunctionCatalog>();
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .ToArray();
        bool Mapped(string pattern, string method) => endpoints.Any(e =>
            string.Equals(e.Pattern, pattern, StringComparison.OrdinalIgnoreCase) && e.Methods.Contains(method, StringComparer.OrdinalIgnoreCase));

        foreach (var function in catalog.Functions)
        {
            switch (function)
            {
                case HttpFunction http:
                    foreach (var method in http.Methods)
                    {
                        Assert.True(Mapped("/api/" + http.Route, method), $"{http.Name}: {method} /api/{http.Route} is not mapped.");
                    }
                    break;
                default:
                    Assert.True(Mapped("/" + function.Name, "POST"), $"{function.Name}: no invocation handler at POST /{function.Name}.");
                    break;
            }
        }

        // The Functions host only forwards requests for declared functions: an /api endpoint outside the catalog is unreachable in Azure.
        foreach (var (pattern, methods) in endpoints.Where(e => e.Pattern.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var method in methods)
            {
                Assert.True(
                    catalog.Functions.OfType<HttpFunction>().Any(f =>
                        string.Equals("/api/" + f.Route, pattern, StringComparison.OrdinalIgnoreCase) && f.Methods.Contains(method, StringComparer.OrdinalIgnoreCase)),
                    $"{method} {pattern} is mapped but no HttpFunction in the catalog declares it.");
            }
        }
        return catalog;
    }

    private sealed class FixedModule(params FunctionDefinition[] functions) : IFunctionModule
    {
        public IEnumerable<FunctionDefinition> Functions => functions;

        public void Map(IEndpointRouteBuilder endpoints)
        {
        }
    }

    private sealed class UndeclaredModule : IFunctionModule
    {
        public IEnumerable<FunctionDefinition> Functions => [];

        public void Map(IEndpointRouteBuilder endpoints) =>
            endpoints.MapTimerFunction("Undeclared", (_, _, _) => Task.CompletedTask);
    }
}
