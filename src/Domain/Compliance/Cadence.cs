namespace Blueshift.Domain.Compliance;

/// <summary>
/// A calendar period: months and days are added to the local calendar date, so "monthly" from 31 January is 28/29 February
/// and "quarterly" is three calendar months, as people mean them.
/// </summary>
public sealed record Cadence(int Months = 0, int Days = 0)
{
    public static Cadence Weekly { get; } = new(Days: 7);
    public static Cadence Monthly { get; } = new(Months: 1);
    public static Cadence Quarterly { get; } = new(Months: 3);
    public static Cadence Yearly { get; } = new(Months: 12);

    public bool IsPositive => Months >= 0 && Days >= 0 && (Months > 0 || Days > 0);

    public DateTimeOffset After(DateTimeOffset time) => time.AddMonths(Months).AddDays(Days);

    public override string ToString() => (Months, Days) switch
    {
        (0, 7) => "weekly",
        (1, 0) => "monthly",
        (3, 0) => "quarterly",
        (12, 0) => "yearly",
        (0, var d) => $"every {d} days",
        (var m, 0) => $"every {m} months",
        var (m, d) => $"every {m} months and {d} days",
    };
}

/// <summary>Where a recurring obligation stands.</summary>
public enum DueStatus
{
    Ok,
    DueSoon,
    Overdue,
}

internal static class Durations
{
    public static string Format(TimeSpan span)
    {
        span = span.Duration();
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays} d {span.Hours} h"
            : span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min"
            : $"{(int)span.TotalMinutes} min";
    }
}
