using Azure.Data.Tables;

namespace Blueshift.Bench.Orchestrations;

/// <summary>
/// How late a release's traffic steps, analyses and swap started after they were due, read from the task hub's history
/// table (DTFx's Azure Storage provider keeps one row per history event, in order, partitioned by instance id).
/// <para>
/// An orchestration acts in episodes: an episode starts (OrchestratorStarted) because something it waited for happened
/// (TimerFired, TaskCompleted), and the activities it schedules are TaskScheduled events. A step's activity is due when
/// what woke its episode was due: a durable timer's FireAt (the end of a bake), or, when the step follows another
/// activity directly, that activity's completion time. It started when the provider recorded it as scheduled. The
/// step then starts when its activity makes its call to Azure: the first ARM call of the step's kind to that app at or after
/// the TaskScheduled time, from the emulator's call log (route: PATCH config/web; analysis: a metrics GET; swap: POST
/// slotsswap). The lateness is the difference: timer delivery, control-queue polling, the episode's replay, the checkpoint,
/// and the activity's wait in the work-item queue. The part up to TaskScheduled is reported on its own.
/// </para>
/// </summary>
internal static class StepLateness
{
    // The names the task hub records for the release's activities (ReleaseActivityNames in the app).
    private static readonly Dictionary<string, string> Steps = new(StringComparer.Ordinal)
    {
        ["RouteTraffic"] = "traffic step",
        ["MeasureCanary"] = "analysis",
        ["RequestSwap"] = "swap",
    };

    public sealed record Sample(string Step, double LatenessMs, double ScheduledLatenessMs, double ActivityTurnaroundMs, bool AfterTimer);

    /// <summary>The ARM call a step's activity makes first, by activity name.</summary>
    public static bool IsStepCall(string activity, string method, string path) => activity switch
    {
        "RouteTraffic" => method == "PATCH" && path.EndsWith("/config/web", StringComparison.OrdinalIgnoreCase) && !path.Contains("/slots/", StringComparison.OrdinalIgnoreCase),
        "MeasureCanary" => method == "GET" && path.EndsWith("/providers/Microsoft.Insights/metrics", StringComparison.OrdinalIgnoreCase),
        "RequestSwap" => method == "POST" && path.EndsWith("/slotsswap", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    public static async Task<List<Sample>> ReadAsync(TableClient history, string instanceId,
        IReadOnlyList<(DateTime At, string Method, string Path)> armCalls, CancellationToken cancellationToken)
    {
        var events = new List<TableEntity>();
        await foreach (var entity in history.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId, cancellationToken: cancellationToken))
        {
            events.Add(entity);
        }
        events.Sort((a, b) => string.CompareOrdinal(a.RowKey, b.RowKey));

        var completions = new Dictionary<int, DateTime>();
        foreach (var e in events)
        {
            if (Type(e) is "TaskCompleted" or "TaskFailed" && e.GetInt32("TaskScheduledId") is { } scheduledId && At(e) is { } done)
            {
                completions[scheduledId] = done;
            }
        }

        var samples = new List<Sample>();
        DateTime? timerDue = null, lastCompletion = null;
        foreach (var e in events)
        {
            switch (Type(e))
            {
                case "OrchestratorStarted":
                    timerDue = null;
                    lastCompletion = null;
                    break;
                case "TimerFired":
                    timerDue = Max(timerDue, e.GetDateTime("FireAt")?.ToUniversalTime());
                    break;
                case "TaskCompleted" or "TaskFailed" or "EventRaised" or "SubOrchestrationInstanceCompleted":
                    lastCompletion = Max(lastCompletion, At(e));
                    break;
                case "TaskScheduled" when e.GetString("Name") is { } name && Steps.TryGetValue(name, out var step) && At(e) is { } scheduled:
                    var due = timerDue ?? lastCompletion;
                    if (due is null)
                    {
                        break;
                    }
                    var turnaround = e.GetInt32("EventId") is { } id && completions.TryGetValue(id, out var completed)
                        ? (completed - scheduled).TotalMilliseconds
                        : double.NaN;
                    // Durable timers may fire a little early (Azurite keeps message visibility to the second): not counted as negative.
                    var call = armCalls.FirstOrDefault(c => c.At >= scheduled && IsStepCall(name, c.Method, c.Path));
                    var lateness = call.Path is null ? double.NaN : Math.Max(0, (call.At - due.Value).TotalMilliseconds);
                    samples.Add(new Sample(step, lateness, Math.Max(0, (scheduled - due.Value).TotalMilliseconds), turnaround, timerDue is not null));
                    break;
            }
        }
        return samples;
    }

    private static string? Type(TableEntity e) => e.GetString("EventType");

    // The provider stores the event's own timestamp as _Timestamp (Timestamp is the table's row time).
    private static DateTime? At(TableEntity e) => e.GetDateTime("_Timestamp")?.ToUniversalTime();

    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
