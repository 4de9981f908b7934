using System.Globalization;
using Blueshift.Domain.Compliance;
using Blueshift.Functions.Apps;
using Blueshift.Functions.Azure.AppService;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// Backups against the RPO (seed 000 §11.1, hourly): the production site's newest successful App Service backup
/// (ARM <c>sites/{name}/backups</c>) must be younger than the RPO, its scheduled backups (<c>config/backup</c>) configured
/// and on, and its newest finished backup not failed. Apps whose compliance settings say backups are not required are
/// not held to it (a finding they had resolves). Reads only; the storage SAS URL of the configuration is never kept.
/// </summary>
public sealed class BackupRpoCheck(WebSitesClient arm) : IComplianceCheck
{
    public const string Breach = "backup-rpo.breach";
    public const string NotConfigured = "backup-rpo.not-configured";
    public const string LatestFailed = "backup-rpo.latest-failed";

    /// <summary>A breach this old (or no successful backup at all) is critical: a day of data is at stake.</summary>
    public static readonly TimeSpan CriticalAge = TimeSpan.FromHours(24);

    private static readonly string[] FailedStatuses = ["Failed", "TimedOut", "PartiallySucceeded", "Skipped"];

    public ComplianceJob Job => ComplianceJob.BackupRpo;

    public async Task<IReadOnlyList<Observation>> CheckAsync(ManagedApp app, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Compliance?.BackupsRequired == false)
        {
            return [];
        }
        var site = SiteId.Parse(app.ResourceId).Production;
        var configuration = await arm.GetBackupConfigurationAsync(site, cancellationToken);
        var backups = await arm.ListBackupsAsync(site, cancellationToken);
        var observations = new List<Observation>();

        if (configuration is null || configuration.Enabled == false || configuration.BackupSchedule is null)
        {
            var state = configuration is null ? "none" : configuration.Enabled == false ? "disabled" : "no schedule";
            observations.Add(new Observation(NotConfigured, string.Empty, FindingSeverity.High,
                $"Scheduled backups of {site.SiteName} are not configured ({state}): nothing keeps the RPO of {Durations(BackupPolicy.DefaultRpo)}.",
                new Dictionary<string, string> { ["configuration"] = state, ["backups"] = Invariant(backups.Count) }));
        }

        var finished = backups.Where(b => b.IsSucceeded || FailedStatuses.Contains(b.Status, StringComparer.OrdinalIgnoreCase))
            .OrderByDescending(PointOf).ThenByDescending(b => b.BackupId).FirstOrDefault();
        if (finished is not null && !finished.IsSucceeded)
        {
            observations.Add(new Observation(LatestFailed, string.Empty, FindingSeverity.High,
                $"The newest backup of {site.SiteName} ({finished.BackupId}, {PointOf(finished):u}) ended {finished.Status}.",
                Evidence(finished)));
        }

        var newest = backups.Where(b => b.IsSucceeded).OrderByDescending(PointOf).ThenByDescending(b => b.BackupId).FirstOrDefault();
        var rpo = RecoveryObjectives.CheckRpo(newest is null ? null : PointOf(newest), now, BackupPolicy.Default);
        if (!rpo.Compliant)
        {
            var evidence = newest is null ? new Dictionary<string, string>() : Evidence(newest);
            evidence["rpo"] = Invariant(rpo.Rpo);
            evidence["checkedAt"] = now.ToString("O", CultureInfo.InvariantCulture);
            if (rpo.BackupAge is { } age)
            {
                evidence["backupAge"] = Invariant(age);
            }
            var severity = rpo.BackupAge is not { } known || known > CriticalAge || known < TimeSpan.Zero ? FindingSeverity.Critical : FindingSeverity.High;
            observations.Add(new Observation(Breach, string.Empty, severity, rpo.Reason, evidence));
        }
        return observations;
    }

    private static DateTimeOffset PointOf(BackupItem backup) => backup.Created ?? backup.FinishedTimeStamp ?? DateTimeOffset.MinValue;

    private static Dictionary<string, string> Evidence(BackupItem backup)
    {
        var evidence = new Dictionary<string, string>
        {
            ["backupId"] = Invariant(backup.BackupId),
            ["status"] = backup.Status ?? "unknown",
        };
        if (backup.Created is { } created)
        {
            evidence["created"] = created.ToString("O", CultureInfo.InvariantCulture);
        }
        if (backup.FinishedTimeStamp is { } finished)
        {
            evidence["finished"] = finished.ToString("O", CultureInfo.InvariantCulture);
        }
        return evidence;
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private static string Durations(TimeSpan value) => value.TotalHours >= 1 ? $"{value.TotalHours:0.#} h" : $"{value.TotalMinutes:0} min";
}
