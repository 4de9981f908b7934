namespace Blueshift.Functions.Hosting;

/// <summary>
/// Every app setting Blueshift reads, by the name it has in the function app's configuration (and in
/// local.settings.sample.json). The README's configuration reference documents each; a test keeps the sample complete.
/// </summary>
public static class AppSettings
{
    /// <summary>The Functions host's storage connection; Blueshift keeps its state in the same account's tables.</summary>
    public const string AzureWebJobsStorage = "AzureWebJobsStorage";

    /// <summary>Always <c>dotnet-isolated</c>: the host runs Blueshift on the .NET isolated worker.</summary>
    public const string FunctionsWorkerRuntime = "FUNCTIONS_WORKER_RUNTIME";

    /// <summary>How long the readiness check waits for the Table service (a <see cref="TimeSpan"/>).</summary>
    public const string HealthStorageTimeout = "Blueshift__Health__StorageTimeout";

    /// <summary>
    /// The Durable task hub that holds the release orchestrations (host.json's <c>durableTask.hubName</c> is
    /// <c>%Blueshift__TaskHub%</c>). Two apps on one storage account need different hubs.
    /// </summary>
    public const string TaskHub = "Blueshift__TaskHub";

    /// <summary>Turns the diagnostic functions (echo, invocation record) on; off unless a test or an operator turns it on.</summary>
    public const string DiagnosticsEnabled = "Blueshift__Diagnostics__Enabled";

    /// <summary>Accept plain-http package and notification URIs to loopback hosts (local runs against emulators).</summary>
    public const string ApiAllowLoopbackHttp = "Blueshift__Api__AllowLoopbackHttp";

    /// <summary>App Service Authentication is on, so its <c>X-MS-CLIENT-PRINCIPAL</c> header can be trusted.</summary>
    public const string SecurityAppServiceAuthentication = "Blueshift__Security__AppServiceAuthentication";

    /// <summary>The id function-key callers are audited under.</summary>
    public const string SecurityFunctionKeyCallerId = "Blueshift__Security__FunctionKeyCallerId";

    /// <summary>Azure Resource Manager for App Service and metrics: the public cloud, or the App Service emulator locally.</summary>
    public const string AzureResourceManagerEndpoint = "Blueshift__Azure__ResourceManagerEndpoint";

    /// <summary>How Blueshift authenticates to ARM: ManagedIdentity, Default or Development (emulator only).</summary>
    public const string AzureCredential = "Blueshift__Azure__Credential";

    /// <summary>The scheme Blueshift probes slot host names with: https in Azure, http against the emulator.</summary>
    public const string ReleasesSlotScheme = "Blueshift__Releases__SlotScheme";

    /// <summary>
    /// The NCRONTAB schedule of each compliance job's timer (six fields, UTC), as <c>Blueshift__Compliance__Schedules__{Job}</c>;
    /// the timers name them <c>%Blueshift:Compliance:Schedules:{Job}%</c> (<see cref="Compliance.ComplianceJobs.ScheduleSetting"/>).
    /// </summary>
    public static IReadOnlyList<string> ComplianceSchedules { get; } =
        [.. Compliance.ComplianceJobs.All.Select(job => Compliance.ComplianceJobs.ScheduleSetting(job).Replace(":", "__", StringComparison.Ordinal))];

    public static IReadOnlyList<string> All { get; } =
    [
        AzureWebJobsStorage, FunctionsWorkerRuntime, TaskHub, HealthStorageTimeout, DiagnosticsEnabled,
        ApiAllowLoopbackHttp, SecurityAppServiceAuthentication, SecurityFunctionKeyCallerId,
        AzureResourceManagerEndpoint, AzureCredential, ReleasesSlotScheme, .. ComplianceSchedules,
    ];

    /// <summary>The configuration key (<c>A:B</c>) for an app setting named with the <c>A__B</c> convention.</summary>
    public static string ConfigurationKey(string appSetting) => appSetting.Replace("__", ":", StringComparison.Ordinal);
}
