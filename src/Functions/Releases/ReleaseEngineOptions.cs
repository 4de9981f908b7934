using Blueshift.Domain.Releases;

namespace Blueshift.Functions.Releases;

/// <summary>The release engine's settings (configuration section <c>Blueshift:Releases</c>), validated at start-up.</summary>
public sealed class ReleaseEngineOptions
{
    public const string SectionName = "Blueshift:Releases";

    /// <summary>Table that holds release state, locks, idempotency keys and the indexes.</summary>
    public string TableName { get; set; } = "blueshiftreleases";

    /// <summary>Storage connection string; when empty, <c>AzureWebJobsStorage</c> is used.</summary>
    public string? StorageConnectionString { get; set; }

    /// <summary>Who moves traffic and swaps slots; <c>AppService</c> (ARM <c>Microsoft.Web</c>) is the one provider.</summary>
    public string SlotsProvider { get; set; } = AppServiceProvider;

    /// <summary>Where canary and post-swap metrics come from; <c>AzureMonitor</c> (Metrics REST API) is the one provider.</summary>
    public string MetricsProvider { get; set; } = AzureMonitorProvider;

    public const string AppServiceProvider = "AppService";
    public const string AzureMonitorProvider = "AzureMonitor";

    /// <summary>NCRONTAB (6 fields) of the reconcile tick.</summary>
    public string TickSchedule { get; set; } = "*/10 * * * * *";

    /// <summary>
    /// How many releases one tick advances at the same time. Their storage writes to shared partitions (due entries,
    /// lock releases, the index, the audit trail) leave together as one transaction per partition, so more at once means fewer
    /// round trips (the release bench prints them per tick).
    /// </summary>
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>How many steps one reconcile call may take in a row when no waiting is needed.</summary>
    public int MaxStepsPerReconcile { get; set; } = 8;

    /// <summary>How often a running operation is polled and a slot probed.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a swap whose outcome went unrecorded may take before it is presumed lost and requested again.</summary>
    public TimeSpan SwapSettleTime { get; set; } = TimeSpan.FromMinutes(2);

    public int MaxSwapAttempts { get; set; } = 3;

    public int MaxDeployAttempts { get; set; } = 2;

    /// <summary>The production window measured before the release, the post-swap watch's baseline.</summary>
    public TimeSpan BaselineWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary><c>https</c> in Azure; <c>http</c> against the App Service emulator.</summary>
    public string SlotScheme { get; set; } = "https";

    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause after the marker is stamped (App Service restarts a slot whose settings change) before the first health probe.</summary>
    public TimeSpan WarmUp { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Default traffic steps; null means <see cref="TrafficPlan.Default"/> (10, 25, 50, 100).</summary>
    public IList<int>? TrafficSteps { get; set; }

    public IReadOnlyList<int> EffectiveTrafficSteps => TrafficSteps is { Count: > 0 } steps ? [.. steps] : TrafficPlan.Default;

    public TimeSpan BakeTime { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan PostSwapWatch { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long after a release succeeds it can still be rolled back (by an alert or by hand): the previous version waits
    /// in the staging slot, so the rollback is a swap back. Zero turns this off. Default 30 minutes.
    /// </summary>
    public TimeSpan RollbackWindowAfterSuccess { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How many times an inconclusive analysis (too little traffic) extends the bake before the release fails safe.</summary>
    public int MaxInconclusiveExtensions { get; set; } = 3;

    /// <summary>Who to contact, as written into rollback notifications.</summary>
    public string Contact { get; set; } = "Operations on-call";

    /// <summary>The environment name written into notifications.</summary>
    public string Environment { get; set; } = "Production";

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(TableName) || !TableName.All(char.IsAsciiLetterOrDigit) || TableName.Length is < 3 or > 63 || !char.IsAsciiLetter(TableName[0]))
        {
            problems.Add($"{SectionName}:TableName must be 3–63 letters or digits starting with a letter (got '{TableName}').");
        }
        if (MaxConcurrency is < 1 or > 256)
        {
            problems.Add($"{SectionName}:MaxConcurrency must be between 1 and 256 (got {MaxConcurrency}).");
        }
        if (MaxStepsPerReconcile < 1)
        {
            problems.Add($"{SectionName}:MaxStepsPerReconcile must be at least 1.");
        }
        Positive(PollInterval, nameof(PollInterval));
        Positive(SwapSettleTime, nameof(SwapSettleTime));
        Positive(BaselineWindow, nameof(BaselineWindow));
        Positive(ProbeTimeout, nameof(ProbeTimeout));
        Positive(BakeTime, nameof(BakeTime));
        Positive(PostSwapWatch, nameof(PostSwapWatch));
        if (RollbackWindowAfterSuccess < TimeSpan.Zero)
        {
            problems.Add($"{SectionName}:RollbackWindowAfterSuccess must not be negative.");
        }
        if (WarmUp < TimeSpan.Zero)
        {
            problems.Add($"{SectionName}:WarmUp must not be negative.");
        }
        if (MaxSwapAttempts < 1 || MaxDeployAttempts < 1)
        {
            problems.Add($"{SectionName}:MaxSwapAttempts and MaxDeployAttempts must be at least 1.");
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
        if (string.IsNullOrWhiteSpace(TickSchedule) || TickSchedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6)
        {
            problems.Add($"{SectionName}:TickSchedule must be a 6-field NCRONTAB expression (got '{TickSchedule}').");
        }
        return problems;

        void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"{SectionName}:{name} must be positive (got {value}).");
            }
        }
    }
}
