using Blueshift.Domain.ChangeControl;

namespace Blueshift.Domain.Windows;

public enum WindowStatus
{
    Allowed,
    Blocked,
}

/// <summary>
/// Whether a release may reach production now. When blocked, <see cref="NextOpening"/> is the earliest time it may (null when
/// there is none within the policy's horizon); when allowed inside a window, <see cref="OpenUntil"/> is when that ends.
/// </summary>
public sealed record WindowDecision(WindowStatus Status, string Reason, DateTimeOffset? NextOpening, DateTimeOffset? OpenUntil, bool NoticeRequired)
{
    public bool IsAllowed => Status == WindowStatus.Allowed;
}

/// <summary>
/// Major releases need a planned maintenance window, minor releases a low-traffic (or maintenance) window, patches may go
/// any time with notice; none of them during a freeze. Hotfixes and emergency changes go immediately, through freezes.
/// </summary>
public static class DeploymentWindows
{
    private const int MaxHorizonDays = 400;

    public static WindowDecision Evaluate(ReleaseType releaseType, ChangeClass changeClass, DateTimeOffset now, DeploymentWindowPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var problems = policy.Validate();
        if (problems.Count > 0)
        {
            return new WindowDecision(WindowStatus.Blocked, "The deployment window policy is invalid: " + string.Join(" ", problems), null, null, false);
        }

        var calendar = Calendar.Build(policy, now);
        var activeFreeze = calendar.FreezeAt(now);

        if (releaseType == ReleaseType.Hotfix || changeClass == ChangeClass.Emergency)
        {
            var what = releaseType == ReleaseType.Hotfix ? "A hotfix" : "An emergency change";
            return new WindowDecision(WindowStatus.Allowed,
                activeFreeze is null ? $"{what} may be released immediately." : $"{what} may be released immediately, through the {activeFreeze}.",
                null, null, false);
        }

        var windows = releaseType switch
        {
            ReleaseType.Major => calendar.Maintenance,
            ReleaseType.Minor => [.. calendar.LowTraffic, .. calendar.Maintenance],
            ReleaseType.Patch => null,
            _ => throw new ArgumentOutOfRangeException(nameof(releaseType), releaseType, "Unknown release type."),
        };
        var windowName = releaseType == ReleaseType.Major ? "a planned maintenance window" : "a low-traffic or maintenance window";
        var notice = releaseType == ReleaseType.Patch;
        var typeName = releaseType.ToString().ToLowerInvariant();

        bool Allowed(DateTimeOffset t) => calendar.FreezeAt(t) is null && (windows is null || windows.Any(w => w.Contains(t)));

        if (Allowed(now))
        {
            var closing = windows is null ? calendar.FreezeStartsAfter(now) : NextBoundary(now, windows.Select(w => w.End).Concat(calendar.FreezeStarts), t => !Allowed(t));
            var reason = windows is null
                ? $"A {typeName} release may go any time outside a freeze, with notice to stakeholders."
                : $"A {typeName} release may go now: inside {windowName}" + (closing is { } c ? $" until {c:u}." : ".");
            return new WindowDecision(WindowStatus.Allowed, reason, null, closing, notice);
        }

        var next = NextBoundary(now, (windows?.Select(w => w.Start) ?? []).Concat(calendar.FreezeEnds), Allowed);
        var why = activeFreeze is not null
            ? $"A {typeName} release is blocked by the {activeFreeze}; only hotfixes and emergency changes pass a freeze."
            : $"A {typeName} release needs {windowName}, and none is open now.";
        var when = next is { } n ? $" Next opening: {n:u}." : $" No opening within {policy.SearchHorizon.TotalDays:0} days.";
        return new WindowDecision(WindowStatus.Blocked, why + when, next, null, notice);
    }

    private static DateTimeOffset? NextBoundary(DateTimeOffset now, IEnumerable<DateTimeOffset> candidates, Func<DateTimeOffset, bool> accept) =>
        candidates.Where(t => t > now).Distinct().Order().Cast<DateTimeOffset?>().FirstOrDefault(t => accept(t!.Value));

    private sealed record Interval(DateTimeOffset Start, DateTimeOffset End, string Name)
    {
        public bool Contains(DateTimeOffset t) => Start <= t && t < End;
    }

    /// <summary>The recurring windows and freezes materialised as UTC intervals around now, so that DST shifts are applied per occurrence.</summary>
    private sealed class Calendar
    {
        public required List<Interval> Maintenance { get; init; }
        public required List<Interval> LowTraffic { get; init; }
        public required List<Interval> Freezes { get; init; }

        public IEnumerable<DateTimeOffset> FreezeStarts => Freezes.Select(f => f.Start);

        public IEnumerable<DateTimeOffset> FreezeEnds => Freezes.Select(f => f.End);

        public string? FreezeAt(DateTimeOffset t) => Freezes.FirstOrDefault(f => f.Contains(t))?.Name;

        public DateTimeOffset? FreezeStartsAfter(DateTimeOffset t) => Freezes.Where(f => f.Start > t).Select(f => (DateTimeOffset?)f.Start).Min();

        public static Calendar Build(DeploymentWindowPolicy policy, DateTimeOffset now)
        {
            var lastOneOffEnd = policy.Freezes.Count == 0 ? now : policy.Freezes.Max(f => f.End);
            var until = Max(now + policy.SearchHorizon, lastOneOffEnd + TimeSpan.FromDays(8));
            until = Min(until, now + TimeSpan.FromDays(MaxHorizonDays));

            var tz = policy.TimeZone;
            var firstDay = TimeZoneInfo.ConvertTime(now, tz).Date.AddDays(-8);
            var lastDay = TimeZoneInfo.ConvertTime(until, tz).Date.AddDays(1);
            var days = new List<DateTime>();
            for (var d = firstDay; d <= lastDay; d = d.AddDays(1))
            {
                days.Add(d);
            }

            List<Interval> Weekly(IEnumerable<WeeklyWindow> windows, string name) =>
                (from w in windows
                 from d in days
                 where d.DayOfWeek == w.Day
                 let start = d + w.Start.ToTimeSpan()
                 select new Interval(ToUtc(start, tz), ToUtc(start + w.Duration, tz), name)).ToList();

            var freezes =
                (from f in policy.RecurringFreezes
                 from d in days
                 where d.DayOfWeek == f.StartDay
                 let start = d + f.StartTime.ToTimeSpan()
                 select new Interval(ToUtc(start, tz), ToUtc(start + f.Duration, tz), f.Reason))
                .Concat(policy.Freezes.Select(f => new Interval(f.Start.ToUniversalTime(), f.End.ToUniversalTime(), f.Reason)))
                .ToList();

            return new Calendar
            {
                Maintenance = Weekly(policy.MaintenanceWindows, "maintenance window"),
                LowTraffic = Weekly(policy.LowTrafficWindows, "low-traffic window"),
                Freezes = freezes,
            };
        }

        private static DateTimeOffset ToUtc(DateTime local, TimeZoneInfo tz)
        {
            // A wall-clock time skipped by a DST jump does not exist; the window opens at the first time that does.
            var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
            for (var i = 0; i < 16 && tz.IsInvalidTime(unspecified); i++)
            {
                unspecified = unspecified.AddMinutes(15);
            }
            return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(unspecified, tz), TimeSpan.Zero);
        }

        private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

        private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
    }
}
