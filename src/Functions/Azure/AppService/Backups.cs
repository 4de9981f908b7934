using System.Globalization;
using System.Text.Json;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure.AppService;

// Backup and restore bodies carry storage SAS URLs and connection strings: these types are classes, not records,
// so that no generated ToString ever prints them into a log.

/// <summary>A database included in a backup or restore.</summary>
public sealed class DatabaseBackupSetting
{
    /// <summary>The database type: <c>SqlAzure</c>, <c>MySql</c>, <c>LocalMySql</c> or <c>PostgreSql</c>.</summary>
    public required string DatabaseType { get; init; }

    /// <summary>The database name.</summary>
    public string? Name { get; init; }

    /// <summary>The name of the app's connection string to use (preferred over <see cref="ConnectionString"/>).</summary>
    public string? ConnectionStringName { get; init; }

    /// <summary>A connection string (a secret) for databases that are not linked by name.</summary>
    public string? ConnectionString { get; init; }

    internal static DatabaseBackupSetting FromJson(JsonElement element) => new()
    {
        DatabaseType = element.GetString("databaseType") ?? string.Empty,
        Name = element.GetString("name"),
        ConnectionStringName = element.GetString("connectionStringName"),
        ConnectionString = element.GetString("connectionString"),
    };

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("databaseType", DatabaseType);
        if (Name is not null) writer.WriteString("name", Name);
        if (ConnectionStringName is not null) writer.WriteString("connectionStringName", ConnectionStringName);
        if (ConnectionString is not null) writer.WriteString("connectionString", ConnectionString);
        writer.WriteEndObject();
    }

    internal static IReadOnlyList<DatabaseBackupSetting> ReadAll(JsonElement properties) =>
        properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty("databases", out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(FromJson).ToArray()
            : [];

    internal static void WriteAll(Utf8JsonWriter writer, IReadOnlyList<DatabaseBackupSetting> databases)
    {
        if (databases.Count == 0)
        {
            return;
        }
        writer.WriteStartArray("databases");
        foreach (var database in databases)
        {
            database.WriteTo(writer);
        }
        writer.WriteEndArray();
    }
}

/// <summary>When automatic backups run and how long they are kept.</summary>
public sealed record BackupSchedule
{
    /// <summary>Run every this many <see cref="FrequencyUnit"/>s.</summary>
    public required int FrequencyInterval { get; init; }

    /// <summary><c>Day</c> or <c>Hour</c>.</summary>
    public required string FrequencyUnit { get; init; }

    /// <summary>Keep at least one backup regardless of <see cref="RetentionPeriodInDays"/>.</summary>
    public bool KeepAtLeastOneBackup { get; init; } = true;

    /// <summary>How many days backups are kept.</summary>
    public int RetentionPeriodInDays { get; init; } = 30;

    /// <summary>When the schedule starts.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>When the last scheduled backup ran (read-only, reported by the service).</summary>
    public DateTimeOffset? LastExecutionTime { get; init; }

    internal static BackupSchedule? FromJson(JsonElement properties)
    {
        var schedule = properties.GetObject("backupSchedule");
        if (schedule.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        return new BackupSchedule
        {
            FrequencyInterval = (int)(schedule.GetInt64("frequencyInterval") ?? 0),
            FrequencyUnit = schedule.GetString("frequencyUnit") ?? string.Empty,
            KeepAtLeastOneBackup = schedule.GetBoolean("keepAtLeastOneBackup") ?? true,
            RetentionPeriodInDays = (int)(schedule.GetInt64("retentionPeriodInDays") ?? 0),
            StartTime = schedule.GetDateTimeOffset("startTime"),
            LastExecutionTime = schedule.GetDateTimeOffset("lastExecutionTime"),
        };
    }

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("backupSchedule");
        writer.WriteNumber("frequencyInterval", FrequencyInterval);
        writer.WriteString("frequencyUnit", FrequencyUnit);
        writer.WriteBoolean("keepAtLeastOneBackup", KeepAtLeastOneBackup);
        writer.WriteNumber("retentionPeriodInDays", RetentionPeriodInDays);
        if (StartTime is { } start)
        {
            writer.WriteString("startTime", start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
        writer.WriteEndObject();
    }
}

/// <summary>A backup request (<c>POST backup</c>) or an app's backup configuration (<c>config/backup</c>).</summary>
public sealed class BackupRequest
{
    /// <summary>The SAS URL of the blob container that receives backups (a secret).</summary>
    public required string StorageAccountUrl { get; init; }

    /// <summary>The backup name.</summary>
    public string? BackupName { get; init; }

    /// <summary>Whether the schedule is enabled (backup configuration only).</summary>
    public bool? Enabled { get; init; }

    /// <summary>The automatic backup schedule (backup configuration only).</summary>
    public BackupSchedule? BackupSchedule { get; init; }

    /// <summary>Databases to back up along with the app.</summary>
    public IReadOnlyList<DatabaseBackupSetting> Databases { get; init; } = [];

    internal static BackupRequest FromJson(JsonElement root)
    {
        var properties = root.GetObject("properties");
        return new BackupRequest
        {
            StorageAccountUrl = properties.GetString("storageAccountUrl") ?? string.Empty,
            BackupName = properties.GetString("backupName"),
            Enabled = properties.GetBoolean("enabled"),
            BackupSchedule = BackupSchedule.FromJson(properties),
            Databases = DatabaseBackupSetting.ReadAll(properties),
        };
    }

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("properties");
        writer.WriteString("storageAccountUrl", StorageAccountUrl);
        if (BackupName is not null) writer.WriteString("backupName", BackupName);
        if (Enabled is { } enabled) writer.WriteBoolean("enabled", enabled);
        DatabaseBackupSetting.WriteAll(writer, Databases);
        BackupSchedule?.WriteTo(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}

/// <summary>A backup of an app, as <c>backups/{id}</c> reports it. The storage SAS URL is deliberately not kept.</summary>
public sealed record BackupItem
{
    /// <summary>The backup id used in <c>backups/{id}</c> and restore requests.</summary>
    public required long BackupId { get; init; }

    /// <summary>The backup name.</summary>
    public string? Name { get; init; }

    /// <summary>The blob holding the backup.</summary>
    public string? BlobName { get; init; }

    /// <summary>
    /// <c>InProgress</c>, <c>Failed</c>, <c>Succeeded</c>, <c>TimedOut</c>, <c>Created</c>, <c>Skipped</c>,
    /// <c>PartiallySucceeded</c>, <c>DeleteInProgress</c>, <c>DeleteFailed</c> or <c>Deleted</c>.
    /// </summary>
    public string? Status { get; init; }

    /// <summary>True when the status is <c>Succeeded</c>.</summary>
    public bool IsSucceeded => string.Equals(Status, "Succeeded", StringComparison.OrdinalIgnoreCase);

    /// <summary>The backup size in bytes.</summary>
    public long? SizeInBytes { get; init; }

    /// <summary>When the backup was created.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>When the backup finished.</summary>
    public DateTimeOffset? FinishedTimeStamp { get; init; }

    /// <summary>When the backup was last restored.</summary>
    public DateTimeOffset? LastRestoreTimeStamp { get; init; }

    /// <summary>Whether the backup was made by the schedule.</summary>
    public bool? Scheduled { get; init; }

    /// <summary>The service's log line for the backup.</summary>
    public string? Log { get; init; }

    internal static BackupItem FromJson(JsonElement element)
    {
        var properties = element.GetObject("properties");
        return new BackupItem
        {
            BackupId = properties.GetInt64("id") ?? 0,
            Name = properties.GetString("name"),
            BlobName = properties.GetString("blobName"),
            Status = properties.GetString("status"),
            SizeInBytes = properties.GetInt64("sizeInBytes"),
            Created = properties.GetDateTimeOffset("created"),
            FinishedTimeStamp = properties.GetDateTimeOffset("finishedTimeStamp"),
            LastRestoreTimeStamp = properties.GetDateTimeOffset("lastRestoreTimeStamp"),
            Scheduled = properties.GetBoolean("scheduled"),
            Log = properties.GetString("log"),
        };
    }
}

/// <summary>A restore request (<c>POST backups/{id}/restore</c>).</summary>
public sealed class RestoreRequest
{
    /// <summary>The SAS URL of the blob container holding the backup (a secret).</summary>
    public required string StorageAccountUrl { get; init; }

    /// <summary>The backup blob name; the service finds it from the backup id when omitted.</summary>
    public string? BlobName { get; init; }

    /// <summary>Whether the restore overwrites the existing app.</summary>
    public bool Overwrite { get; init; }

    /// <summary>The app to restore into (a DR test restores into a separate app or slot).</summary>
    public string? SiteName { get; init; }

    /// <summary>Databases to restore.</summary>
    public IReadOnlyList<DatabaseBackupSetting> Databases { get; init; } = [];

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("properties");
        writer.WriteString("storageAccountUrl", StorageAccountUrl);
        if (BlobName is not null) writer.WriteString("blobName", BlobName);
        writer.WriteBoolean("overwrite", Overwrite);
        if (SiteName is not null) writer.WriteString("siteName", SiteName);
        DatabaseBackupSetting.WriteAll(writer, Databases);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
