namespace Blueshift.Domain.Windows;

/// <summary>A window that opens every week on <paramref name="Day"/> at <paramref name="Start"/> local time; an <paramref name="End"/> at or before the start ends on the next day.</summary>
public sealed record WeeklyWindow(DayOfWeek Day, TimeOnly Start, TimeOnly End)
{
    public TimeSpan Duration => End > Start ? End - Start : TimeSpan.FromDays(1) - (Start - End);
}

/// <summary>A freeze that recurs every week, for example the code freeze from Tuesday 17:00 until the Thursday 22:00 release.</summary>
public sealed record RecurringFreeze(DayOfWeek StartDay, TimeOnly StartTime, DayOfWeek EndDay, TimeOnly EndTime, string Reason)
{
    public TimeSpan Duration
    {
        get
        {
            var span = TimeSpan.FromDays(((int)EndDay - (int)StartDay + 7) % 7) + (EndTime - StartTime);
            return span > TimeSpan.Zero ? span : span + TimeSpan.FromDays(7);
        }
    }
}

/// <summary>A one-off freeze, for example over a product launch or the end of the financial year.</summary>
public sealed record FreezePeriod(DateTimeOffset Start, DateTimeOffset End, string Reason);

/// <summary>
/// When releases may reach production (seed 000 §4.2 and §4.3). Weekly windows and recurring freezes are in
/// <see cref="TimeZone"/>, which the caller resolves (looking a zone up by id reads the system's zone database).
/// </summary>
public sealed record DeploymentWindowPolicy
{
    public static DeploymentWindowPolicy Default { get; } = new();

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Planned maintenance windows, required by major releases (and usable by minor ones).</summary>
    public IReadOnlyList<WeeklyWindow> MaintenanceWindows { get; init; } = [new(DayOfWeek.Thursday, new TimeOnly(22, 0), new TimeOnly(2, 0))];

    /// <summary>Low-traffic periods, required by minor releases.</summary>
    public IReadOnlyList<WeeklyWindow> LowTrafficWindows { get; init; } =
        Enum.GetValues<DayOfWeek>().Select(d => new WeeklyWindow(d, new TimeOnly(22, 0), new TimeOnly(6, 0))).ToList();

    public IReadOnlyList<RecurringFreeze> RecurringFreezes { get; init; } =
        [new(DayOfWeek.Tuesday, new TimeOnly(17, 0), DayOfWeek.Thursday, new TimeOnly(22, 0), "weekly code freeze from Tuesday 17:00 until the Thursday 22:00 release")];

    public IReadOnlyList<FreezePeriod> Freezes { get; init; } = [];

    /// <summary>How far ahead to look for the next opening.</summary>
    public TimeSpan SearchHorizon { get; init; } = TimeSpan.FromDays(35);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var freeze in Freezes.Where(f => f.End <= f.Start))
        {
            problems.Add($"Freeze '{freeze.Reason}' ends ({freeze.End:u}) before it starts ({freeze.Start:u}).");
        }
        if (SearchHorizon <= TimeSpan.Zero || SearchHorizon > TimeSpan.FromDays(366))
        {
            problems.Add($"SearchHorizon must be between 1 second and 366 days (got {SearchHorizon}).");
        }
        return problems;
    }
}
