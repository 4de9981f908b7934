using System.Text.Json.Nodes;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

[Collection(LocalHostCollection.Name)]
public sealed class TimerTriggerTests(LocalHostFixture host)
{
    [Fact]
    public async Task TimerOverriddenToEverySecond_IsInvokedOnScheduleWithTheTimerPayload()
    {
        var timers = await LocalHostFixture.WaitForAsync(
            ReadTimerInvocationsAsync,
            invocations => invocations.Count >= 3,
            TimeSpan.FromSeconds(30),
            "three invocations of DiagnosticsTimer");

        var previousNext = DateTimeOffset.MinValue;
        foreach (var invocation in timers)
        {
            Assert.False((bool)invocation["isPastDue"]!);
            var status = invocation["scheduleStatus"]!;
            var next = DateTimeOffset.Parse((string)status["next"]!);
            var last = DateTimeOffset.Parse((string)status["last"]!);
            var at = DateTimeOffset.Parse((string)invocation["at"]!);
            Assert.Equal(0, next.Millisecond);
            Assert.True(at >= next, $"Invoked at {at:O}, before its occurrence {next:O}.");
            Assert.True(next > previousNext, $"Occurrence {next:O} was invoked twice or out of order.");
            Assert.True(last < next);
            if (previousNext != DateTimeOffset.MinValue)
            {
                // Each invocation sees the previous occurrence as Last, like the host's schedule monitor.
                Assert.Equal(previousNext, last);
            }
            previousNext = next;
        }
    }

    private async Task<List<JsonNode>> ReadTimerInvocationsAsync()
    {
        var json = await host.Client.GetStringAsync($"/api/diagnostics/invocations?code={LocalHostFixture.MasterKey}");
        return JsonNode.Parse(json)!.AsArray().Where(i => (string?)i!["function"] == "DiagnosticsTimer").Select(i => i!).ToList();
    }
}
