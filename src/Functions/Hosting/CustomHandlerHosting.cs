using System.Globalization;

namespace Blueshift.Functions.Hosting;

public static class CustomHandlerHosting
{
    /// <summary>The port the Functions host tells its custom handler to listen on.</summary>
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>
    /// Listens on loopback at <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> when the Functions host set it; otherwise keeps
    /// ASP.NET Core's own URL settings, so <c>dotnet run</c> works during development.
    /// </summary>
    public static WebApplicationBuilder UseCustomHandlerPort(this WebApplicationBuilder builder)
    {
        var value = builder.Configuration[PortVariable];
        if (string.IsNullOrEmpty(value))
        {
            return builder;
        }
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"{PortVariable} must be a TCP port number (1-65535); it is '{value}'.");
        }
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        return builder;
    }
}
