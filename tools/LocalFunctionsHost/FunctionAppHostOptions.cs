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
/// <see cref="ConnectionSetting"/> (Azurite locally). The defaults are the provider's; tests shorten the intervals.
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
}
