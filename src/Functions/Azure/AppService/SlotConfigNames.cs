using System.Text.Json;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure.AppService;

/// <summary>The sticky (slot-specific) setting names of an app, <c>config/slotConfigNames</c>: these stay with their slot during a swap.</summary>
public sealed record SlotConfigNames
{
    /// <summary>Sticky app setting names.</summary>
    public IReadOnlyList<string> AppSettingNames { get; init; } = [];

    /// <summary>Sticky connection string names.</summary>
    public IReadOnlyList<string> ConnectionStringNames { get; init; } = [];

    /// <summary>Sticky Azure Storage mount names.</summary>
    public IReadOnlyList<string> AzureStorageConfigNames { get; init; } = [];

    internal static SlotConfigNames FromJson(JsonElement root)
    {
        var properties = root.GetObject("properties");
        return new SlotConfigNames
        {
            AppSettingNames = properties.GetStringArray("appSettingNames"),
            ConnectionStringNames = properties.GetStringArray("connectionStringNames"),
            AzureStorageConfigNames = properties.GetStringArray("azureStorageConfigNames"),
        };
    }

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("properties");
        writer.WriteStringArray("appSettingNames", AppSettingNames);
        writer.WriteStringArray("connectionStringNames", ConnectionStringNames);
        writer.WriteStringArray("azureStorageConfigNames", AzureStorageConfigNames);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
