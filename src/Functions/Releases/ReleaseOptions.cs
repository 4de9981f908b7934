using Blueshift.Domain.Releases;

namespace Blueshift.Functions.Releases;

/// <summary>
/// Settings of the releases API and its adapters (configuration section <c>Blueshift:Releases</c>), validated at start-up:
/// where the registry lives, which providers move traffic and read metrics, and the policy defaults a release starts with.
/// The durations a release runs with are <see cref="Orchestration.ReleaseOrchestrationOptions"/>.
/// </summary>
public sealed class ReleaseOptions
{
    public const string SectionName = "Blueshift:Releases";

    /// <summary>Table that holds the app locks, idempotency keys and the release index.</summary>
    public string TableName { get; set; } = "blueshiftreleases";

    /// <summary>Storage connection string; when empty, <c>AzureWebJobsStorage</c> is used.</summary>
    public string? StorageConnectionString { get; set; }

    /// <summary>Who moves traffic and swaps slots; <c>AppService</c> (ARM <c>Microsoft.Web</c>) is the one provider.</summary>
    public string SlotsProvider { get; set; } = AppServiceProvider;

    /// <summary>Where canary and post-swap metrics come from; <c>AzureMonitor</c> (Metrics REST API) is the one provider.</summary>
    public string MetricsProvider { get; set; } = AzureMonitorProvider;

    public const string AppServiceProvider = "AppService";
    public const string AzureMonitorProvider = "AzureMonitor";

    /// <summary><c>https</c> in Azure; <c>http</c> against the App Service emulator.</summary>
    public string SlotScheme { get; set; } = "https";

    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Default traffic steps; null means <see cref="TrafficPlan.Default"/> (10, 25, 50, 100).</summary>
    public IList<int>? TrafficSteps { get; set; }

    public IReadOnlyList<int> EffectiveTrafficSteps => TrafficSteps is { Count: > 0 } steps ? [.. steps] : TrafficPlan.Default;

    /// <summary>
    /// How long after a release succeeds it can still be rolled back (by an alert or by hand): the previous version waits
    /// in the staging slot, so the rollback is a swap back. Zero turns this off. Default 30 minutes.
    /// </summary>
    public TimeSpan RollbackWindowAfterSuccess { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How many times an inconclusive analysis (too little traffic) extends the bake before the release fails safe.</summary>
    public int MaxInconclusiveExtensions { get; set; } = 3;

    /// <summary>
    /// The seed's weekly code freeze (Tuesday 17:00 until the Thursday 22:00 release, UTC): on by default. Turned off for
    /// local demos and tests, which run in real time and would otherwise wait out the freeze when started inside it.
    /// </summary>
    public bool WeeklyCodeFreeze { get; set; } = true;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(TableName) || !TableName.All(char.IsAsciiLetterOrDigit) || TableName.Length is < 3 or > 63 || !char.IsAsciiLetter(TableName[0]))
        {
            problems.Add($"{SectionName}:TableName must be 3–63 letters or digits starting with a letter (got '{TableName}').");
        }
        if (ProbeTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{SectionName}:ProbeTimeout must be positive (got {ProbeTimeout}).");
        }
        if (RollbackWindowAfterSuccess < TimeSpan.Zero)
        {
            problems.Add($"{SectionName}:RollbackWindowAfterSuccess must not be negative.");
        }
        if (MaxInconclusiveExtensions < 0)
        {
            problems.Add($"{SectionName}:MaxInconclusiveExtensions must not be negative.");
        }
        if (SlotsProvider != AppServiceProvider)
        {
            problems.Add($"{SectionName}:SlotsProvider '{SlotsProvider}' is unknown; the supported provider is '{AppServiceProvider}'.");
        }
        if (MetricsProvider != AzureMonitorProvider)
        {
            problems.Add($"{SectionName}:MetricsProvider '{MetricsProvider}' is unknown; the supported provider is '{AzureMonitorProvider}'.");
        }
        if (SlotScheme is not ("https" or "http"))
        {
            problems.Add($"{SectionName}:SlotScheme must be 'https' or 'http' (got '{SlotScheme}').");
        }
        if (TrafficPlan.Validate(EffectiveTrafficSteps) is { } steps)
        {
            problems.Add($"{SectionName}:TrafficSteps: {steps}");
        }
        return problems;
    }
}
