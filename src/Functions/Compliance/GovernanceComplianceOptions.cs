using Blueshift.Domain.Compliance;
using Blueshift.Domain.Releases;

namespace Blueshift.Functions.Compliance;

/// <summary>Where DR exercises are kept and how recorded ones are checked (<c>Blueshift:Compliance:DrExercises</c>).</summary>
public sealed class DrExerciseOptions
{
    public const string SectionName = "Blueshift:Compliance:DrExercises";

    /// <summary>The table of DR exercises, on the <c>AzureWebJobsStorage</c> account.</summary>
    public string TableName { get; set; } = "BlueshiftDrExercises";

    /// <summary>How far in the future a recorded <c>performedAt</c> may lie (clocks of callers differ a little).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long before its due date a reminder is reported as due soon.</summary>
    public TimeSpan DueSoonWithin { get; set; } = DrSchedulePolicy.Default.DueSoonWithin;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrEmpty(TableName) || TableName.Length is < 3 or > 63 || !char.IsAsciiLetter(TableName[0]) || !TableName.All(char.IsAsciiLetterOrDigit))
        {
            yield return $"{SectionName}:TableName must be a table name: 3 to 63 letters and digits, starting with a letter.";
        }
        if (MaxClockSkew < TimeSpan.Zero || MaxClockSkew > TimeSpan.FromHours(1))
        {
            yield return $"{SectionName}:MaxClockSkew must be between 0 and 1 hour (got {MaxClockSkew}).";
        }
        if (DueSoonWithin < TimeSpan.Zero)
        {
            yield return $"{SectionName}:DueSoonWithin must not be negative (got {DueSoonWithin}).";
        }
    }
}

/// <summary>
/// What the hourly governance check holds releases to (<c>Blueshift:Compliance:Governance</c>). Approvals are held to each
/// release's own approval timeout (fixed in its input when it started); the emergency follow-ups to <c>ApprovalPolicy</c>.
/// </summary>
public sealed class GovernanceOptions
{
    public const string SectionName = "Blueshift:Compliance:Governance";

    /// <summary>How long a release may stay in a phase not named in <see cref="PhaseTimeouts"/> before it counts as stuck.</summary>
    public TimeSpan StuckAfter { get; set; } = StuckReleasePolicy.Default.DefaultTimeout;

    /// <summary>Per phase (a <see cref="ReleasePhase"/> name): how long a release may stay in it before it counts as stuck.</summary>
    public Dictionary<string, TimeSpan> PhaseTimeouts { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        // A release may wait for its window as long as its own watchdog lets it (a week and a day), plus an hour.
        [nameof(ReleasePhase.AwaitingWindow)] = Domain.Releases.PhaseTimeouts.Default.Window + TimeSpan.FromHours(1),
    };

    /// <summary>How far back the check reads an app's releases (newest first): emergency changes older than this are not followed up.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(90);

    /// <summary>At most this many of an app's releases are read per check, newest first.</summary>
    public int MaxReleasesPerApp { get; set; } = 200;

    public StuckReleasePolicy ToStuckReleasePolicy() => new()
    {
        DefaultTimeout = StuckAfter,
        PhaseTimeouts = new Dictionary<string, TimeSpan>(PhaseTimeouts, StringComparer.OrdinalIgnoreCase),
        TerminalPhases = new HashSet<string>(Enum.GetValues<ReleasePhase>().Where(ReleasePhases.IsTerminal).Select(p => p.ToString()), StringComparer.OrdinalIgnoreCase),
    };

    public IEnumerable<string> Validate()
    {
        if (StuckAfter <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:StuckAfter must be positive (got {StuckAfter}).";
        }
        foreach (var (phase, timeout) in PhaseTimeouts)
        {
            if (!Enum.TryParse<ReleasePhase>(phase, ignoreCase: true, out _) || int.TryParse(phase, out _))
            {
                yield return $"{SectionName}:PhaseTimeouts:{phase} is not a release phase; use one of {string.Join(", ", Enum.GetNames<ReleasePhase>())}.";
            }
            if (timeout <= TimeSpan.Zero)
            {
                yield return $"{SectionName}:PhaseTimeouts:{phase} must be positive (got {timeout}).";
            }
        }
        if (Lookback <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:Lookback must be positive (got {Lookback}).";
        }
        if (MaxReleasesPerApp is < 1 or > 1000)
        {
            yield return $"{SectionName}:MaxReleasesPerApp must be between 1 and 1000 (got {MaxReleasesPerApp}).";
        }
    }
}

/// <summary>How the weekly backup verification reads a backup's blob (<c>Blueshift:Compliance:BackupVerification</c>).</summary>
public sealed class BackupVerificationOptions
{
    public const string SectionName = "Blueshift:Compliance:BackupVerification";

    /// <summary>How long one read of the blob's properties may take.</summary>
    public TimeSpan BlobTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a successful verification is recorded as a DR exercise (the reminders then count it).</summary>
    public bool RecordExercise { get; set; } = true;

    public IEnumerable<string> Validate()
    {
        if (BlobTimeout <= TimeSpan.Zero || BlobTimeout > TimeSpan.FromMinutes(10))
        {
            yield return $"{SectionName}:BlobTimeout must be between 0 and 10 minutes (got {BlobTimeout}).";
        }
    }
}
