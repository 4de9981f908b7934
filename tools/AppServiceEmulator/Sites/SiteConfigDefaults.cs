using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator;

/// <summary>The site configuration a new slot starts with: App Service's defaults, as GET config/web returns them.</summary>
internal static class SiteConfigDefaults
{
    private const string Json = """
        {
          "numberOfWorkers": 1,
          "defaultDocuments": ["Default.htm", "Default.html", "Default.asp", "index.htm", "index.html", "iisstart.htm", "default.aspx", "index.php", "hostingstart.html"],
          "netFrameworkVersion": "v4.0",
          "phpVersion": "5.6",
          "pythonVersion": "",
          "nodeVersion": "",
          "powerShellVersion": "",
          "linuxFxVersion": "",
          "requestTracingEnabled": false,
          "remoteDebuggingEnabled": false,
          "httpLoggingEnabled": false,
          "acrUseManagedIdentityCreds": false,
          "logsDirectorySizeLimit": 35,
          "detailedErrorLoggingEnabled": false,
          "use32BitWorkerProcess": true,
          "webSocketsEnabled": false,
          "alwaysOn": false,
          "appCommandLine": "",
          "managedPipelineMode": "Integrated",
          "virtualApplications": [{ "virtualPath": "/", "physicalPath": "site\\wwwroot", "preloadEnabled": false }],
          "experiments": { "rampUpRules": [] },
          "loadBalancing": "LeastRequests",
          "autoHealEnabled": false,
          "vnetName": "",
          "vnetRouteAllEnabled": false,
          "vnetPrivatePortsCount": 0,
          "http20Enabled": false,
          "minTlsVersion": "1.2",
          "scmMinTlsVersion": "1.2",
          "ftpsState": "AllAllowed",
          "healthCheckPath": null,
          "functionAppScaleLimit": 0,
          "functionsRuntimeScaleMonitoringEnabled": false,
          "minimumElasticInstanceCount": 0,
          "azureStorageAccounts": {}
        }
        """;

    public static JsonObject Create() => JsonNode.Parse(Json)!.AsObject();
}
