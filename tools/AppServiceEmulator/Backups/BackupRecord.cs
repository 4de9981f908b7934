using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator;

/// <summary>A backup of a site: the content and app settings captured when it was taken, restorable later.</summary>
internal sealed class BackupRecord(int id, string name, string storageAccountUrl, DateTimeOffset created, SlotContent content, Dictionary<string, string> settings, JsonArray databases)
{
    public int Id { get; } = id;
    public string Name { get; } = name;
    public string StorageAccountUrl { get; } = storageAccountUrl;
    public DateTimeOffset Created { get; } = created;
    public SlotContent Content { get; } = content;
    public Dictionary<string, string> Settings { get; } = settings;
    public JsonArray Databases { get; } = databases;
    public required LongRunningOperation Operation { get; init; }

    /// <summary>The slot that made the backup: its id is that slot's (<c>slots/{slot}/backups/{id}</c>), no other's.</summary>
    public required string Slot { get; init; }
    public DateTimeOffset? LastRestore { get; set; }
}
