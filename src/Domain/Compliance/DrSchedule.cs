namespace Blueshift.Domain.Compliance;

/// <summary>The DR tests of seed 000 §11.4.</summary>
public enum DrActivity
{
    BackupVerification,
    RestoreTest,
    FullDrTest,
    TabletopExercise,
}

/// <summary>Automated activities Blueshift runs itself; reminders are done by people and only tracked.</summary>
public enum DrTaskKind
{
    Automated,
    Reminder,
}

public sealed record DrScheduleEntry(DrActivity Activity, Cadence Every, DrTaskKind Kind);

public sealed record DrSchedulePolicy
{
    public static DrSchedulePolicy Default { get; } = new();

    public IReadOnlyList<DrScheduleEntry> Entries { get; init; } =
    [
        new(DrActivity.BackupVerification, Cadence.Weekly, DrTaskKind.Automated),
        new(DrActivity.RestoreTest, Cadence.Monthly, DrTaskKind.Automated),
        new(DrActivity.FullDrTest, Cadence.Yearly, DrTaskKind.Reminder),
        new(DrActivity.TabletopExercise, Cadence.Quarterly, DrTaskKind.Reminder),
    ];

    /// <summary>How long before its due date an activity is reported as due soon.</summary>
    public TimeSpan DueSoonWithin { get; init; } = TimeSpan.FromDays(3);
}

public sealed record DrScheduleItem(DrActivity Activity, DrTaskKind Kind, Cadence Every, DateTimeOffset? LastDoneAt, DateTimeOffset? DueAt, DueStatus Status, string Reason);

public static class DrSchedule
{
    /// <summary>Where each scheduled activity stands; one never done is overdue.</summary>
    public static IReadOnlyList<DrScheduleItem> Evaluate(IReadOnlyDictionary<DrActivity, DateTimeOffset> lastDone, DateTimeOffset now, DrSchedulePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(lastDone);
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Entries.Select(entry =>
        {
            var name = Name(entry.Activity);
            if (!lastDone.TryGetValue(entry.Activity, out var last))
            {
                return new DrScheduleItem(entry.Activity, entry.Kind, entry.Every, null, null, DueStatus.Overdue,
                    $"The {name} ({entry.Every}) has never been done.");
            }
            var due = entry.Every.After(last);
            if (now > due)
            {
                return new DrScheduleItem(entry.Activity, entry.Kind, entry.Every, last, due, DueStatus.Overdue,
                    $"The {name} ({entry.Every}) was due at {due:u} and is {Durations.Format(now - due)} overdue.");
            }
            return due - now <= policy.DueSoonWithin
                ? new DrScheduleItem(entry.Activity, entry.Kind, entry.Every, last, due, DueStatus.DueSoon,
                    $"The {name} ({entry.Every}) is due at {due:u}, in {Durations.Format(due - now)}.")
                : new DrScheduleItem(entry.Activity, entry.Kind, entry.Every, last, due, DueStatus.Ok,
                    $"The {name} ({entry.Every}) was last done at {last:u}; next due at {due:u}.");
        }).ToList();
    }

    private static string Name(DrActivity activity) => activity switch
    {
        DrActivity.BackupVerification => "backup verification",
        DrActivity.RestoreTest => "restore test",
        DrActivity.FullDrTest => "full DR test",
        DrActivity.TabletopExercise => "tabletop exercise",
        _ => activity.ToString(),
    };
}
