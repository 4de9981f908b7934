using DurableTask.AzureStorage;

namespace Blueshift.LocalFunctionsHost;

/// <summary>How <see cref="FunctionAppHost"/> serves a function app: where it listens, its keys, its clock and its task hub.</summary>
public sealed class FunctionAppHostOptions
{
    /// <summary>The address Kestrel listens on; port 7071 like <c>func start</c>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:7071";

    /// <summary>Command-line arguments for the configuration (as <c>WebApplication.CreateBuilder(args)</c> reads them).</summary>
    public string[] Args { get; set; } = [];

    /// <summary>App settings added on top of appsettings, environment (<c>A__B</c>) and arguments; key <c>A:B</c> or <c>A__B</c>.</summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Only these functions are served, as with <c>func start --functions</c>; empty (the default) serves them all.</summary>
    public ISet<string> Functions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The master key: opens every function, and is the only key that opens <c>AuthorizationLevel.Admin</c>.
    /// When null, the setting <c>FunctionAppHost:MasterKey</c> is used.
    /// </summary>
    public string? MasterKey { get; set; }

    /// <summary>Host-level function keys (open <c>AuthorizationLevel.Function</c> functions). Setting <c>FunctionAppHost:FunctionKeys:{n}</c> adds more.</summary>
    public IList<string> FunctionKeys { get; } = [];

    /// <summary>The clock timers follow; tests pass a manual one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Logging set-up (providers, filters) on top of the host's defaults.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>The Durable Task back end: DTFx's Azure Storage provider.</summary>
    public DurableHostOptions Durable { get; } = new();
}

/// <summary>
/// The task hub of orchestrations and activities: DTFx's Azure Storage provider on the account named by
/// <see cref="ConnectionSetting"/> (Azurite locally). The defaults are the Functions host's Durable extension's (on a
/// dedicated plan); an app's host.json changes them (see <c>HostJsonDurableSettings</c>), tests shorten the intervals.
/// </summary>
public sealed class DurableHostOptions
{
    /// <summary>The setting that holds the storage connection string, as in the Functions host.</summary>
    public string ConnectionSetting { get; set; } = "AzureWebJobsStorage";

    /// <summary>The task hub name (letters and digits, 3-45 characters, starting with a letter).</summary>
    public string TaskHubName { get; set; } = "BlueshiftHub";

    /// <summary>Control-queue partitions (1-16).</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>Longest wait between polls of an idle queue.</summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a control-queue message stays invisible while a worker holds it.</summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a work-item (activity) message stays invisible while a worker holds it.</summary>
    public TimeSpan WorkItemQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Partition lease length; a host that dies without releasing its leases delays the next one by this much.</summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often leases are renewed.</summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often free or expired leases are looked for.</summary>
    public TimeSpan LeaseAcquireInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Messages fetched from a control queue in one request (1-32, the storage service's limit). Host.json:
    /// <c>extensions.durableTask.storageProvider.controlQueueBatchSize</c>.
    /// </summary>
    public int ControlQueueBatchSize { get; set; } = 32;

    /// <summary>
    /// Orchestration messages fetched and not yet processed that a host keeps in memory before it pauses polling the
    /// control queues for a second (1-1000). Host.json: <c>extensions.durableTask.storageProvider.controlQueueBufferThreshold</c>.
    /// </summary>
    public int ControlQueueBufferThreshold { get; set; } = 256;

    /// <summary>Activities run at once by this host (1-1000). Host.json: <c>extensions.durableTask.maxConcurrentActivityFunctions</c>.</summary>
    public int MaxConcurrentActivities { get; set; } = 10 * Environment.ProcessorCount;

    /// <summary>Orchestration episodes run at once by this host (1-1000). Host.json: <c>extensions.durableTask.maxConcurrentOrchestratorFunctions</c>.</summary>
    public int MaxConcurrentOrchestrations { get; set; } = 10 * Environment.ProcessorCount;

    /// <summary>
    /// Keep an orchestration's history in memory between its episodes, so a wake-up does not read it back from the
    /// history table. Host.json: <c>extensions.durableTask.extendedSessionsEnabled</c>.
    /// </summary>
    public bool ExtendedSessionsEnabled { get; set; }

    /// <summary>How long an idle orchestration keeps its session. Host.json: <c>extensions.durableTask.extendedSessionIdleTimeoutInSeconds</c>.</summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether a start may overwrite an instance with the same id that is still pending or running (false: it fails, as
    /// with <c>NonRunningStates</c>). Host.json: <c>extensions.durableTask.overridableExistingInstanceStates</c>,
    /// <c>AnyState</c> (the default) or <c>NonRunningStates</c>.
    /// </summary>
    public bool OverrideRunningInstances { get; set; } = true;

    /// <summary>The Azure Storage provider's settings from these options, on the account of <paramref name="connectionString"/>.</summary>
    internal AzureStorageOrchestrationServiceSettings ToProviderSettings(string connectionString, ILoggerFactory loggerFactory) => new()
    {
        TaskHubName = TaskHubName,
        PartitionCount = PartitionCount,
        MaxQueuePollingInterval = MaxQueuePollingInterval,
        ControlQueueVisibilityTimeout = ControlQueueVisibilityTimeout,
        WorkItemQueueVisibilityTimeout = WorkItemQueueVisibilityTimeout,
        ControlQueueBatchSize = ControlQueueBatchSize,
        ControlQueueBufferThreshold = ControlQueueBufferThreshold,
        MaxConcurrentTaskActivityWorkItems = MaxConcurrentActivities,
        MaxConcurrentTaskOrchestrationWorkItems = MaxConcurrentOrchestrations,
        ExtendedSessionsEnabled = ExtendedSessionsEnabled,
        ExtendedSessionIdleTimeout = ExtendedSessionIdleTimeout,
        // As the Functions host: a start refused by its dedupe statuses fails (AlreadyExists) rather than doing nothing.
        ThrowExceptionOnInvalidDedupeStatus = true,
        LeaseInterval = LeaseInterval,
        LeaseRenewInterval = LeaseRenewInterval,
        LeaseAcquireInterval = LeaseAcquireInterval,
        StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
        LoggerFactory = loggerFactory,
    };

    /// <summary>What is wrong with these options, one line each; empty when they are usable.</summary>
    internal IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionSetting))
        {
            problems.Add("Durable.ConnectionSetting is empty: name the setting that holds the storage connection string (AzureWebJobsStorage).");
        }
        if (TaskHubName is null || !System.Text.RegularExpressions.Regex.IsMatch(TaskHubName, "^[A-Za-z][A-Za-z0-9]{2,44}$"))
        {
            problems.Add($"Durable.TaskHubName '{TaskHubName}' is not a task hub name: 3-45 letters and digits, starting with a letter.");
        }
        if (PartitionCount is < 1 or > 16)
        {
            problems.Add($"Durable.PartitionCount {PartitionCount} is outside 1-16.");
        }
        foreach (var (name, value, max) in new[]
                 {
                     (nameof(ControlQueueBatchSize), ControlQueueBatchSize, 32),
                     (nameof(ControlQueueBufferThreshold), ControlQueueBufferThreshold, 1000),
                     (nameof(MaxConcurrentActivities), MaxConcurrentActivities, 1000),
                     (nameof(MaxConcurrentOrchestrations), MaxConcurrentOrchestrations, 1000),
                 })
        {
            if (value < 1 || value > max)
            {
                problems.Add($"Durable.{name} {value} is outside 1-{max}.");
            }
        }
        foreach (var (name, value) in new[]
                 {
                     (nameof(ExtendedSessionIdleTimeout), ExtendedSessionIdleTimeout),
                     (nameof(MaxQueuePollingInterval), MaxQueuePollingInterval),
                     (nameof(ControlQueueVisibilityTimeout), ControlQueueVisibilityTimeout),
                     (nameof(WorkItemQueueVisibilityTimeout), WorkItemQueueVisibilityTimeout),
                     (nameof(LeaseInterval), LeaseInterval),
                     (nameof(LeaseRenewInterval), LeaseRenewInterval),
                     (nameof(LeaseAcquireInterval), LeaseAcquireInterval),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"Durable.{name} {value} must be positive.");
            }
        }
        if (LeaseRenewInterval >= LeaseInterval)
        {
            problems.Add($"Durable.LeaseRenewInterval {LeaseRenewInterval} must be shorter than Durable.LeaseInterval {LeaseInterval}, or leases lapse between renewals.");
        }
        return problems;
    }
}
