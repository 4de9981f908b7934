using System.Text.Json;
using System.Text.Json.Serialization;

namespace Blueshift.Functions.Alerts;

/// <summary>
/// What the webhook answered for one alert delivery: stored with the claim, so every replay gets the same answer.
/// </summary>
/// <param name="Decision"><c>RolledBack</c> when at least one rollback was accepted by the engine, else <c>Acknowledged</c>.</param>
public sealed record AlertAnswer(
    string AlertId,
    string MonitorCondition,
    string Decision,
    string Reason,
    IReadOnlyList<AlertRollbackAnswer> Rollbacks)
{
    public const string RolledBack = "RolledBack";
    public const string Acknowledged = "Acknowledged";

    internal static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, SerializerOptions);

    /// <summary>Null when the stored text is not an answer (written by an incompatible version): the delivery is then handled again.</summary>
    public static AlertAnswer? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<AlertAnswer>(json, SerializerOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <param name="Outcome"><c>Accepted</c> (the engine is rolling the release back) or <c>Refused</c> (with the engine's reason).</param>
public sealed record AlertRollbackAnswer(string App, string ReleaseId, string Outcome, string Detail);
