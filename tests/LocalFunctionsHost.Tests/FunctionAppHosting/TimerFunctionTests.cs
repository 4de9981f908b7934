using Blueshift.LocalFunctionsHost.Discovery;
using Blueshift.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests.FunctionAppHosting;

public sealed class TimerFunctionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 3, TimeSpan.Zero);

    private static WebApplication BuildHost(ManualTimeProvider clock, TickRecorder recorder, string? schedule, bool asEnvironmentName = false)
    {
        var options = new FunctionAppHostOptions { Urls = $"http://127.0.0.1:{FreePort.Next()}", TimeProvider = clock };
        options.Functions.Add("SampleTick");
        if (schedule is not null)
        {
            options.Settings[asEnvironmentName ? "Samples__TickSchedule" : "Samples:TickSchedule"] = schedule;
        }
        return FunctionAppHost.Build(typeof(SampleTimerFunctions).Assembly, (services, _) =>
        {
            services.AddSingleton(recorder);
            services.AddSingleton<TimeProvider>(clock);
        }, options);
    }

    [Fact]
    public async Task Tick_EveryTenSeconds_RunsAtEachOccurrenceWithThePreviousAsLast()
    {
        var clock = new ManualTimeProvider(Start);
        var recorder = new TickRecorder();
        await using var app = BuildHost(clock, recorder, "*/10 * * * * *", asEnvironmentName: true);
        await app.StartAsync();

        await clock.WaitForTimerAsync(Start.AddSeconds(7), Bound);
        clock.SetUtcNow(Start.AddSeconds(7));
        await clock.WaitForTimerAsync(Start.AddSeconds(17), Bound);
        clock.SetUtcNow(Start.AddSeconds(17));
        var ticks = await recorder.WaitForTicksAsync(2, Bound);
        await app.StopAsync();

        Assert.Equal(Start.AddSeconds(7), ticks[0].At);
        Assert.Equal(Start.AddSeconds(7).UtcDateTime, ticks[0].Timer.ScheduleStatus!.Next);
        Assert.Equal(Start.UtcDateTime, ticks[0].Timer.ScheduleStatus!.Last);
        Assert.Equal(Start.AddSeconds(17).UtcDateTime, ticks[1].Timer.ScheduleStatus!.Next);
        Assert.Equal(Start.AddSeconds(7).UtcDateTime, ticks[1].Timer.ScheduleStatus!.Last);
        Assert.All(ticks, t => Assert.False(t.Timer.IsPastDue));
    }

    [Fact]
    public async Task Tick_YearlySchedule_WaitsInStepsBeyondTaskDelaysLimitAndRunsWhenDue()
    {
        // Next 1 January is almost a year away: more than one Task.Delay can wait (about 49 days), which used to stop the host.
        var clock = new ManualTimeProvider(Start);
        var recorder = new TickRecorder();
        await using var app = BuildHost(clock, recorder, "0 0 0 1 1 *");
        await app.StartAsync();
        var due = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

        await clock.WaitForTimerAsync(Start + TimerTriggers.TimerFunctionScheduler.MaxWait, Bound);
        clock.SetUtcNow(due.AddSeconds(-1));
        await clock.WaitForTimerAsync(due, Bound);
        clock.SetUtcNow(due);
        var ticks = await recorder.WaitForTicksAsync(1, Bound);
        await app.StopAsync();

        Assert.Equal(due, ticks[0].At);
        Assert.Equal(due.UtcDateTime, ticks[0].Timer.ScheduleStatus!.Next);
    }

    [Fact]
    public async Task Tick_OccurrencesPassWhileItRuns_AreSkippedAndTheNextIsAfterNow()
    {
        var clock = new ManualTimeProvider(Start);
        var recorder = new TickRecorder { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var app = BuildHost(clock, recorder, "*/10 * * * * *");
        await app.StartAsync();

        await clock.WaitForTimerAsync(Start.AddSeconds(7), Bound);
        clock.SetUtcNow(Start.AddSeconds(7));
        await recorder.Entered.Task.WaitAsync(Bound);
        // While the 09:00:10 run is held, 09:00:20 and 09:00:30 pass.
        clock.SetUtcNow(Start.AddSeconds(32));
        recorder.Hold.TrySetResult();
        await recorder.WaitForTicksAsync(1, Bound);

        // The next run is the first occurrence after now (09:00:40), not the missed ones.
        await clock.WaitForTimerAsync(Start.AddSeconds(37), Bound);
        await app.StopAsync();
    }

    [Fact]
    public void Build_ScheduleSettingMissing_FailsNamingTheFunctionAndTheSetting()
    {
        var ex = Assert.Throws<FunctionAppHostException>(() => BuildHost(new ManualTimeProvider(Start), new TickRecorder(), schedule: null));

        Assert.Contains("Function SampleTick", ex.Message);
        Assert.Contains("Samples:TickSchedule", ex.Message);
        Assert.Contains("Samples__TickSchedule", ex.Message);
    }

    [Fact]
    public void Build_ScheduleNotSixFieldNcrontab_FailsNamingTheFunction()
    {
        var ex = Assert.Throws<FunctionAppHostException>(() => BuildHost(new ManualTimeProvider(Start), new TickRecorder(), "*/5 * * * *"));

        Assert.Contains("Function SampleTick", ex.Message);
        Assert.Contains("'*/5 * * * *' is not a 6-field NCRONTAB expression", ex.Message);
    }
}
