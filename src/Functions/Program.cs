using Blueshift.Functions.Alerts;
using Blueshift.Functions.Api;
using Blueshift.Functions.Audit;
using Blueshift.Functions.Diagnostics;
using Blueshift.Functions.Health;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Releases;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Blueshift.Functions;

// A namespaced entry point (not top-level statements) so test projects that also reference the App Service
// emulator can name this app's Program unambiguously in WebApplicationFactory<Program>.
public sealed class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.UseCustomHandlerPort();
        builder.Services.AddProblemDetails();
        builder.Services.TryAddSingleton(TimeProvider.System);

        // The function catalog: every module registered here is declared in the generated function.json files and mapped below.
        builder.Services.AddHealth();
        builder.Services.AddDiagnosticsWhenEnabled(builder.Configuration);
        builder.Services.AddAuditTrail(builder.Configuration);
        builder.Services.AddBlueshiftApi(builder.Configuration);
        builder.Services.AddReleaseEngine(builder.Configuration);
        builder.Services.AddFunctionModule<ReleasesModule>();
        builder.Services.AddAlerts(builder.Configuration);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapFunctions();

        if (builder.Configuration[FunctionMetadata.WriteOption] is { Length: > 0 } metadataDirectory)
        {
            FunctionMetadata.Write(app.Services.GetRequiredService<FunctionCatalog>(), metadataDirectory, app.Logger);
            return;
        }

        app.Run();
    }
}
