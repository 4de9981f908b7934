using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

namespace Blueshift.Functions;

// A namespaced entry point (not top-level statements) so projects that also reference other apps name this one unambiguously.
public sealed class Program
{
    /// <summary>The isolated worker the Functions host starts: ASP.NET Core integration, Blueshift's services and functions.</summary>
    public static void Main(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddBlueshiftFunctions(builder.Configuration);
        builder.Build().Run();
    }
}
