using System.Diagnostics;
using Blueshift.LocalFunctionsHost.Discovery;
using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace Blueshift.LocalFunctionsHost.TimerTriggers;

/// <summary>A timer function with its schedule resolved and parsed.</summary>
internal sealed record ScheduledFunction(FunctionDescriptor Function, TimerFunctionTrigger Trigger, string Expression, CrontabSchedule Schedule);

/// <summary>
/// Runs each <c>[TimerTrigger]</c> function on its 6-field NCRONTAB schedule (<c>%Setting%</c> resolved from
/// configuration) by the injected clock. One invocation of a function at a time, like the Functions host's singleton
/// timer lock: occurrences that pass while it runs are skipped, the next one is the first after max(now, the occurrence run).
/// </summary>
internal sealed class TimerFunctionScheduler(
    IReadOnlyList<ScheduledFunction> schedules,
    IServiceProvider services,
    TimeProvider timeProvider,
    ILogger<TimerFunctionScheduler> logger) : BackgroundService
{
    private static readonly CrontabSchedule.ParseOptions SixFields = new() { IncludingSeconds = true };

    /// <summary>Resolves and parses every schedule now, so a missing setting or a bad expression stops the host at start-up.</summary>
    public static IReadOnlyList<ScheduledFunction> Resolve(FunctionCatalog catalog, IConfiguration configuration)
    {
        var resolved = new List<ScheduledFunction>();
        var errors = new List<string>();
        foreach (var (function, trigger) in catalog.WithTrigger<TimerFunctionTrigger>())
        {
            var expression = trigger.Schedule;
            if (expression.Length > 2 && expression.StartsWith('%') && expression.EndsWith('%'))
            {
                var setting = expression[1..^1];
                var value = configuration[setting] ?? configuration[setting.Replace("__", ":", StringComparison.Ordinal)];
                if (string.IsNullOrWhiteSpace(value))
                {
                    errors.Add($"Function {function.Name}: its schedule names the setting {setting} (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)}), which is not set.");
                    continue;
                }
                expression = value.Trim();
            }
            if (CrontabSchedule.TryParse(expression, SixFields) is not { } schedule)
            {
                errors.Add($"Function {function.Name}: '{expression}' is not a 6-field NCRONTAB expression (second minute hour day month weekday).");
                continue;
            }
            resolved.Add(new ScheduledFunction(function, trigger, expression, schedule));
        }
        if (errors.Count > 0)
        {
            throw new FunctionAppHostException("The timer functions cannot be scheduled:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", errors));
        }
        return resolved;
    }

    /// <summary>The longest single wait for a due occurrence (well under Task.Delay's limit of 2^32 - 2 ms).</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromDays(7);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(schedules.Select(s => RunAsync(s, stoppingToken)));

    private async Task RunAsync(ScheduledFunction scheduled, CancellationToken stoppingToken)
    {
        var started = timeProvider.GetUtcNow();
        var last = started;
        var due = Next(scheduled.Schedule, started);
        if (scheduled.Trigger.RunOnStartup)
        {
            await InvokeAsync(scheduled, Status(last, due, started), started, stoppingToken);
        }
        FunctionAppHostLog.TimerScheduled(logger, scheduled.Function.Name, scheduled.Expression, due);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = timeProvider.GetUtcNow();
            if (now < due)
            {
                // A timer may wake early; waking early must not run the occurrence before it is due.
                try
                {
                    // Task.Delay takes at most ~49 days; a yearly schedule waits in steps and looks again.
                    await Task.Delay(due - now < MaxWait ? due - now : MaxWait, timeProvider, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            // Each invocation sees the status the previous one left, as with the host's schedule monitor:
            // Last = the previous occurrence, Next = the occurrence being run.
            await InvokeAsync(scheduled, Status(last, due, now), due, stoppingToken);
            var finished = timeProvider.GetUtcNow();
            last = due;
            due = Next(scheduled.Schedule, finished > due ? finished : due);
        }
    }

    private async Task InvokeAsync(ScheduledFunction scheduled, ScheduleStatus status, DateTimeOffset occurrence, CancellationToken stoppingToken)
    {
        var function = scheduled.Function;
        await using var scope = services.CreateAsyncScope();
        var invocation = new InvocationContext(function, scope.ServiceProvider, stoppingToken)
        {
            // This host keeps no schedule status across restarts, so it never finds a missed occurrence.
            TimerInfo = new TimerInfo { ScheduleStatus = status, IsPastDue = false },
        };
        var started = Stopwatch.GetTimestamp();
        try
        {
            await function.InvokeAsync(invocation);
            FunctionAppHostLog.TimerInvoked(logger, function.Name, occurrence, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the invocation is abandoned, as the host abandons it.
        }
        catch (Exception ex)
        {
            // A failed run does not stop the schedule, as in the Functions host.
            FunctionAppHostLog.FunctionFailed(logger, function.Name, invocation.FunctionContext.InvocationId, ex);
        }
    }

    // The Worker's ScheduleStatus holds UTC DateTimes.
    private static ScheduleStatus Status(DateTimeOffset last, DateTimeOffset next, DateTimeOffset lastUpdated) =>
        new() { Last = last.UtcDateTime, Next = next.UtcDateTime, LastUpdated = lastUpdated.UtcDateTime };

    private static DateTimeOffset Next(CrontabSchedule schedule, DateTimeOffset after) =>
        new(DateTime.SpecifyKind(schedule.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));
}
