using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Blueshift.Domain.Compliance;

namespace Blueshift.Functions.Compliance;

/// <summary>The API's names of the DR activities (kebab case), and back.</summary>
public static class DrActivities
{
    public static string Name(DrActivity activity) => activity switch
    {
        DrActivity.BackupVerification => "backup-verification",
        DrActivity.RestoreTest => "restore-test",
        DrActivity.FullDrTest => "full-dr-test",
        DrActivity.TabletopExercise => "tabletop-exercise",
        _ => throw new ArgumentOutOfRangeException(nameof(activity), activity, null),
    };

    public static IReadOnlyList<string> Names { get; } = [.. Enum.GetValues<DrActivity>().Select(Name)];

    public static bool TryParse(string? name, out DrActivity activity)
    {
        foreach (var candidate in Enum.GetValues<DrActivity>())
        {
            if (string.Equals(Name(candidate), name, StringComparison.Ordinal))
            {
                activity = candidate;
                return true;
            }
        }
        activity = default;
        return false;
    }
}

/// <summary>Reading recorded DR exercises back, newest first, for <c>GET /api/compliance/dr-exercises</c>.</summary>
public interface IDrExerciseHistory
{
    /// <summary>The exercises that count for <paramref name="app"/> (its own and those that covered every app), or every exercise when null; newest first.</summary>
    Task<IReadOnlyList<DrExercise>> ListAsync(string? app, int max, CancellationToken cancellationToken);
}

/// <summary>
/// DR exercises on Table storage: one row per exercise in the partition of its app (<c>app|{name}</c>) or of every app
/// (<c>all</c>), keyed by its time and a hash of what it says, so recording the same exercise again (a retried request, a
/// re-run activity) writes the same row. An app's latest exercises are two partition queries; the table stays small (a handful
/// of exercises per app and year).
/// </summary>
public sealed class TableDrExerciseStore(TableClient table) : IDrExerciseStore, IDrExerciseHistory
{
    private const string AppPartitionPrefix = "app|";
    private const string AllAppsPartition = "all";
    private readonly Lazy<Task> _created = new(() => table.CreateIfNotExistsAsync());

    public async Task RecordAsync(DrExercise exercise, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exercise);
        await _created.Value.WaitAsync(cancellationToken);
        var performedAt = exercise.PerformedAt.ToUniversalTime();
        var entity = new TableEntity(Partition(exercise.App), RowKey(exercise))
        {
            ["Activity"] = DrActivities.Name(exercise.Activity),
            ["App"] = exercise.App,
            ["PerformedAt"] = performedAt,
            ["PerformedBy"] = exercise.PerformedBy,
            ["EvidenceLink"] = exercise.EvidenceLink?.AbsoluteUri,
            ["RecordedBy"] = exercise.RecordedBy,
            ["RecordedAt"] = exercise.RecordedAt.ToUniversalTime(),
        };
        // The row is the exercise: writing it again changes nothing but the time it was recorded at.
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<DrActivity, DateTimeOffset>> LatestAsync(string app, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(app);
        var latest = new Dictionary<DrActivity, DateTimeOffset>();
        foreach (var exercise in await ReadAsync(app, cancellationToken))
        {
            if (!latest.TryGetValue(exercise.Activity, out var seen) || exercise.PerformedAt > seen)
            {
                latest[exercise.Activity] = exercise.PerformedAt;
            }
        }
        return latest;
    }

    public async Task<IReadOnlyList<DrExercise>> ListAsync(string? app, int max, CancellationToken cancellationToken)
    {
        var exercises = await ReadAsync(app, cancellationToken);
        return [.. exercises.OrderByDescending(e => e.PerformedAt).ThenByDescending(e => e.RecordedAt).Take(max)];
    }

    private async Task<List<DrExercise>> ReadAsync(string? app, CancellationToken cancellationToken)
    {
        await _created.Value.WaitAsync(cancellationToken);
        if (app is null)
        {
            return await ReadPartitionAsync(null, cancellationToken);
        }
        // Two partition queries, not one with 'or': the service answers an 'or' of partitions by scanning the table.
        var own = ReadPartitionAsync(Partition(app), cancellationToken);
        var everyApp = ReadPartitionAsync(AllAppsPartition, cancellationToken);
        return [.. await own, .. await everyApp];
    }

    private async Task<List<DrExercise>> ReadPartitionAsync(string? partition, CancellationToken cancellationToken)
    {
        var filter = partition is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        var exercises = new List<DrExercise>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (!DrActivities.TryParse(entity.GetString("Activity"), out var activity) || entity.GetDateTimeOffset("PerformedAt") is not { } performedAt)
            {
                continue;
            }
            exercises.Add(new DrExercise(
                activity,
                entity.GetString("App"),
                performedAt,
                entity.GetString("PerformedBy") ?? "",
                entity.GetString("EvidenceLink") is { Length: > 0 } link ? new Uri(link) : null,
                entity.GetString("RecordedBy") ?? "",
                entity.GetDateTimeOffset("RecordedAt") ?? performedAt));
        }
        return exercises;
    }

    private static string Partition(string? app) => app is null ? AllAppsPartition : AppPartitionPrefix + app;

    private static string RowKey(DrExercise exercise)
    {
        var what = string.Join('\n', DrActivities.Name(exercise.Activity), exercise.PerformedBy, exercise.EvidenceLink?.AbsoluteUri ?? "", exercise.RecordedBy);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(what)))[..16];
        return exercise.PerformedAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + hash;
    }
}
