namespace Blueshift.Domain.ChangeControl;

public enum FollowUpItem
{
    PostHocApproval,
    Retrospective,
}

public enum FollowUpState
{
    Done,
    DoneLate,
    Pending,
    Overdue,
}

public sealed record FollowUpItemStatus(FollowUpItem Item, FollowUpState State, DateTimeOffset DueAt, DateTimeOffset? DoneAt, string Reason);

public sealed record EmergencyFollowUpResult(bool IsOverdue, IReadOnlyList<FollowUpItemStatus> Items, string Summary)
{
    public IReadOnlyList<FollowUpItem> OverdueItems => Items.Where(i => i.State == FollowUpState.Overdue).Select(i => i.Item).ToList();
}

/// <summary>After an emergency change: post-hoc approval within 24 hours and a retrospective within a week (seed 000 §7.4).</summary>
public static class EmergencyFollowUp
{
    public static EmergencyFollowUpResult Evaluate(DateTimeOffset emergencyStartedAt, DateTimeOffset? postHocApprovalAt, DateTimeOffset? retrospectiveAt, DateTimeOffset now) =>
        Evaluate(emergencyStartedAt, postHocApprovalAt, retrospectiveAt, now, ApprovalPolicy.Default);

    public static EmergencyFollowUpResult Evaluate(DateTimeOffset emergencyStartedAt, DateTimeOffset? postHocApprovalAt, DateTimeOffset? retrospectiveAt, DateTimeOffset now, ApprovalPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var items = new[]
        {
            Item(FollowUpItem.PostHocApproval, "post-hoc approval", emergencyStartedAt + policy.PostHocApprovalWithin, postHocApprovalAt, now),
            Item(FollowUpItem.Retrospective, "retrospective", emergencyStartedAt + policy.RetrospectiveWithin, retrospectiveAt, now),
        };
        var overdue = items.Where(i => i.State == FollowUpState.Overdue).ToList();
        var summary = overdue.Count > 0
            ? "Emergency change follow-up overdue: " + string.Join(" ", overdue.Select(i => i.Reason))
            : "Emergency change follow-up on time: " + string.Join(" ", items.Select(i => i.Reason));
        return new EmergencyFollowUpResult(overdue.Count > 0, items, summary);
    }

    private static FollowUpItemStatus Item(FollowUpItem item, string name, DateTimeOffset due, DateTimeOffset? doneAt, DateTimeOffset now) =>
        doneAt switch
        {
            { } done when done <= due => new FollowUpItemStatus(item, FollowUpState.Done, due, done, $"The {name} was done at {done:u} (due {due:u})."),
            { } done => new FollowUpItemStatus(item, FollowUpState.DoneLate, due, done, $"The {name} was done late at {done:u} (due {due:u})."),
            null when now <= due => new FollowUpItemStatus(item, FollowUpState.Pending, due, null, $"The {name} is due by {due:u} ({Format(due - now)} left)."),
            null => new FollowUpItemStatus(item, FollowUpState.Overdue, due, null, $"The {name} was due at {due:u} and is {Format(now - due)} overdue."),
        };

    internal static string Format(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{(int)span.TotalDays} d {span.Hours} h" : span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min" : $"{Math.Max(0, (int)span.TotalMinutes)} min";
}
