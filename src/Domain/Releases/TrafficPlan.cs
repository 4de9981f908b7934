namespace Blueshift.Domain.Releases;

/// <summary>The percentages of production traffic a canary takes, step by step, before the swap.</summary>
public static class TrafficPlan
{
    public static IReadOnlyList<int> Default { get; } = [10, 25, 50, 100];

    /// <summary>Null when the steps are usable; otherwise what is wrong with them, for a 400.</summary>
    public static string? Validate(IReadOnlyList<int> steps)
    {
        if (steps.Count == 0)
        {
            return "At least one traffic step is required.";
        }
        if (steps.Any(s => s is < 1 or > 100))
        {
            return "Every traffic step must be a percentage between 1 and 100.";
        }
        for (var i = 1; i < steps.Count; i++)
        {
            if (steps[i] <= steps[i - 1])
            {
                return "Traffic steps must increase strictly (e.g. 10, 25, 50, 100).";
            }
        }
        return null;
    }
}
