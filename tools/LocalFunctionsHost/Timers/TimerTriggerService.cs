using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Blueshift.LocalFunctionsHost.FunctionApp;
using NCrontab;

namespace Blueshift.LocalFunctionsHost.Timers;

/// <summary>
/// Fires each timer trigger on its 6-field NCRONTAB schedule with the Functions host's timer payload, as
/// <c>POST /{FunctionName}</c>. One invocation of a function at a time, like the host's singleton timer lock;
/// occurrences that pass while an invocation runs are skipped.
/// </summary>
internal sealed class TimerTriggerService(
    FunctionAppFolder app,
    LocalSettings settings,
    LocalHostOptions options,
    HandlerProcess handler,
    IHttpClientFactory httpClientFactory,
    TimeProvider timeProvider,
    ILogger<TimerTriggerService> logger) : BackgroundService
{
    private static readonly CrontabSchedule.ParseOptions SixFields = new() { IncludingSeconds = true };

    /// <summary>Resolves every timer's schedule up front, so a bad expression stops the host at start-up.</summary>
    public IReadOnlyList<(TimerTriggeredFunction Function, string Expression, CrontabSchedule Schedule)> Schedules { get; } =
        ResolveSchedules(app, settings, options);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Schedules.Count == 0)
        {
            return;
        }
        if (await handler.WaitUntilReadyAsync(stoppingToken) is not { } handlerAddress)
        {
            return;
        }
        await Task.WhenAll(Schedules.Select(s => RunAsync(s.Function, s.Expression, s.Schedule, handlerAddress, stoppingToken)));
    }

    private async Task RunAsync(TimerTriggeredFunction function, string expression, CrontabSchedule schedule, Uri handlerAddress, CancellationToken stoppingToken)
    {
        var client = httpClientFactory.CreateClient(Http.HttpTriggerForwarding.HttpClientName);
        var started = timeProvider.GetUtcNow();
        var due = Next(schedule, started);
        // Like the host's schedule monitor, each invocation sees the status recorded by the previous one:
        // Last = the previous occurrence, Next = the occurrence being run.
        var status = new TimerStatus(started, due, started);
        if (function.RunOnStartup)
        {
            await InvokeAsync(client, handlerAddress, function, status, stoppingToken);
        }
        Log.TimerScheduled(logger, function.Name, expression, due);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = timeProvider.GetUtcNow();
            if (now < due)
            {
                // Timers may wake a little early; waking early must not invoke before the occurrence is due.
                try
                {
                    await Task.Delay(due - now, timeProvider, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            await InvokeAsync(client, handlerAddress, function, status, stoppingToken);
            // Occurrences that passed during a long invocation are skipped, not queued, as the host does.
            var finished = timeProvider.GetUtcNow();
            var next = Next(schedule, finished > due ? finished : due);
            status = new TimerStatus(due, next, finished);
            due = next;
        }
    }

    private async Task InvokeAsync(HttpClient client, Uri handlerAddress, TimerTriggeredFunction function, TimerStatus status, CancellationToken stoppingToken)
    {
        var now = timeProvider.GetUtcNow();
        var payload = new JsonObject
        {
            ["Data"] = new JsonObject
            {
                [function.BindingName] = new JsonObject
                {
                    ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
                    ["ScheduleStatus"] = new JsonObject
                    {
                        ["Last"] = status.Last.ToString("O"),
                        ["Next"] = status.Next.ToString("O"),
                        ["LastUpdated"] = status.LastUpdated.ToString("O"),
                    },
                    // This host keeps no schedule status across restarts, so it never finds a missed occurrence.
                    ["IsPastDue"] = false,
                },
            },
            ["Metadata"] = new JsonObject
            {
                ["sys"] = new JsonObject
                {
                    ["MethodName"] = function.Name,
                    ["UtcNow"] = now.ToString("O"),
                    ["RandGuid"] = Guid.NewGuid().ToString(),
                },
            },
        };
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await client.PostAsJsonAsync(new Uri(handlerAddress, "/" + function.Name), payload, stoppingToken);
            Log.TimerInvoked(logger, function.Name, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (HttpRequestException ex)
        {
            Log.TimerFailed(logger, function.Name, ex);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the invocation is abandoned, as the host abandons it.
        }
    }

    private sealed record TimerStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);

    private static DateTimeOffset Next(CrontabSchedule schedule, DateTimeOffset after) =>
        new(DateTime.SpecifyKind(schedule.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));

    private static List<(TimerTriggeredFunction, string, CrontabSchedule)> ResolveSchedules(FunctionAppFolder app, LocalSettings settings, LocalHostOptions options)
    {
        var unknown = options.Schedules.Keys.Where(name => !app.Functions.OfType<TimerTriggeredFunction>().Any(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (unknown.Length > 0)
        {
            throw new FunctionAppException($"--schedule names no timer function of this app: {string.Join(", ", unknown)}.");
        }
        var resolved = new List<(TimerTriggeredFunction, string, CrontabSchedule)>();
        foreach (var function in app.Functions.OfType<TimerTriggeredFunction>())
        {
            var expression = options.Schedules.GetValueOrDefault(function.Name) ?? function.Schedule;
            if (expression.Length > 2 && expression.StartsWith('%') && expression.EndsWith('%'))
            {
                var setting = expression[1..^1];
                expression = settings.Values.GetValueOrDefault(setting) ?? Environment.GetEnvironmentVariable(setting)
                    ?? throw new FunctionAppException($"Function {function.Name}: its schedule names the app setting {setting}, which is not set.");
            }
            var schedule = CrontabSchedule.TryParse(expression, SixFields)
                ?? throw new FunctionAppException($"Function {function.Name}: '{expression}' is not a 6-field NCRONTAB expression (second minute hour day month weekday).");
            resolved.Add((function, expression, schedule));
        }
        return resolved;
    }
}
