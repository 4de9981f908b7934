using System.Globalization;
using Blueshift.Domain.Compliance;
using Blueshift.Functions.Apps;
using Microsoft.Extensions.Options;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// The daily DR reminders (seed 000 §11.4): the exercises people do — the tabletop exercise (quarterly) and the full DR test
/// (yearly), the <see cref="DrTaskKind.Reminder"/> entries of <see cref="DrSchedulePolicy"/> — are recorded in time, through
/// <c>POST /api/compliance/dr-exercises</c> for the app or for every app. Blueshift's own automated activities (backup
/// verification, restore test) have jobs of their own and are not reminded of here.
/// </summary>
/// <remarks>
/// An activity never recorded for the app is <b>overdue</b> from the first check on, also for an app registered today: the
/// seed asks for the exercises of every production app, and a registration carries no date from which a first period could
/// run. An exercise recorded for every app (no <c>app</c>) counts for each; recording one clears the finding at the next run.
/// </remarks>
public sealed class DrRemindersCheck(IDrExerciseStore exercises, IOptions<DrExerciseOptions> options) : IComplianceCheck
{
    public const string OverdueKind = "dr-reminders.overdue";
    public const string DueSoonKind = "dr-reminders.due-soon";

    public ComplianceJob Job => ComplianceJob.DrReminders;

    public async Task<IReadOnlyList<Observation>> CheckAsync(ManagedApp app, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var latest = await exercises.LatestAsync(app.Name, cancellationToken);
        var policy = DrSchedulePolicy.Default with
        {
            Entries = [.. DrSchedulePolicy.Default.Entries.Where(e => e.Kind == DrTaskKind.Reminder)],
            DueSoonWithin = options.Value.DueSoonWithin,
        };
        var observations = new List<Observation>();
        foreach (var item in DrSchedule.Evaluate(latest, now, policy))
        {
            if (item.Status == DueStatus.Ok)
            {
                continue;
            }
            var evidence = new Dictionary<string, string>
            {
                ["activity"] = DrActivities.Name(item.Activity),
                ["cadence"] = item.Every.ToString(),
                ["lastDoneAt"] = item.LastDoneAt is { } last ? last.ToString("O", CultureInfo.InvariantCulture) : "never",
                ["checkedAt"] = now.ToString("O", CultureInfo.InvariantCulture),
            };
            if (item.DueAt is { } due)
            {
                evidence["dueAt"] = due.ToString("O", CultureInfo.InvariantCulture);
            }
            observations.Add(item.Status == DueStatus.Overdue
                ? new Observation(OverdueKind, DrActivities.Name(item.Activity), FindingSeverity.Medium,
                    $"{item.Reason} Record it with POST /api/compliance/dr-exercises once done.", evidence)
                : new Observation(DueSoonKind, DrActivities.Name(item.Activity), FindingSeverity.Low, item.Reason, evidence));
        }
        return observations;
    }
}
