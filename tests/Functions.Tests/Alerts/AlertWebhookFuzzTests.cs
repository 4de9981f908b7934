using System.Net;
using System.Text.Json.Nodes;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.Functions.Tests.Alerts;

/// <summary>
/// Seeded fuzzing of the whole webhook: the reference samples (the context-only ones aimed, Resolved, at an app with a
/// release taking traffic), mutated, must never get a 5xx and never change anything.
/// </summary>
public sealed class AlertWebhookFuzzTests(AzuriteFixture azurite, AlertEmulatorFixture emulatorFixture)
    : IClassFixture<AzuriteFixture>, IClassFixture<AlertEmulatorFixture>
{
    private const int Iterations = 1200;

    // No mutation writes "Fired": a mutant can only roll back if it turns a Resolved alert into a Fired one, which would be a correct rollback.
    private static readonly JsonNode?[] Replacements =
    [
        null, 0, 1, 4, 7, -1, 1e300, true, false, "", " ", "Sev", "sev1", "Sev-1", "Resolved", "resolved", "RESOLVED",
        "/subscriptions/x/resourceGroups/y/providers/Microsoft.Web/sites/", "\u0000", "\ud7ff", new string('a', 5000),
        "2026-13-45T25:61:00Z", "not-a-date", new JsonArray(), new JsonObject(), new JsonArray(1, 2, 3), new JsonArray("a", null),
    ];

    [Fact]
    public async Task PostAlert_MutatedSamples_No5xxAndNoStateChange()
    {
        var emulator = emulatorFixture.Emulator;
        var time = emulatorFixture.Time;
        await using var host = await AlertWebhookHost.StartAsync(azurite, emulator, time);
        var name = "fuzz" + Guid.NewGuid().ToString("N")[..8];
        await host.RegisterAppAsync(emulator, name);
        var release = await host.StartReleaseTakingTrafficAsync(emulator, time, name);
        var armCallsBefore = emulator.ArmCallLog.Count;
        var samples = AlertPayloads.WholeSamples.Select(f => AlertPayloads.Body(f))
            .Concat(AlertPayloads.ContextSamples.Select(f => AlertPayloads.Body(f, AlertWebhookHost.SiteId(name) + "/slots/staging", "Sev0", "Resolved", AlertPayloads.NewAlertId())))
            .ToList();
        var random = new Random(20261122);
        var statuses = new Dictionary<HttpStatusCode, int>();

        for (var i = 0; i < Iterations; i++)
        {
            var payload = samples[random.Next(samples.Count)];
            for (var m = 1 + random.Next(3); m > 0; m--)
            {
                payload = random.Next(4) == 0 ? MutateText(payload, random) : MutateTree(payload, random);
            }

            using var response = await host.PostAlertAsync(payload);

            Assert.True((int)response.StatusCode < 500, $"iteration {i}: {(int)response.StatusCode} for {Excerpt(payload)}");
            statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
        }

        Assert.Equal(armCallsBefore, emulator.ArmCallLog.Count);
        var after = (await host.Releases.GetAsync(release.Id, default))!;
        // The release bakes on (its orchestration keeps its own time): no rollback, no change of phase or traffic.
        Assert.Equal((release.Status, release.Phase, release.TrafficPercent), (after.Status, after.Phase, after.TrafficPercent));
        var audit = await host.Audit.QueryAsync(name, time.GetUtcNow().AddDays(-1), time.GetUtcNow().AddDays(1), default).ToListAsync();
        Assert.DoesNotContain(audit, r => r.Action == "alert.rolled-back");
        // Both answers must occur, or the mutations were too weak (or too destructive) to test anything.
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.OK) > 100, string.Join(", ", statuses));
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.BadRequest) > 100, string.Join(", ", statuses));
    }

    private static string Excerpt(string payload) => payload.Length <= 200 ? payload : payload[..200] + "…";

    private static string MutateText(string payload, Random random)
    {
        if (payload.Length == 0)
        {
            return "{";
        }
        var at = random.Next(payload.Length);
        return random.Next(4) switch
        {
            0 => payload[..at],
            1 => payload[..at] + (char)random.Next(0x20, 0x7f) + payload[Math.Min(payload.Length, at + 1)..],
            2 => payload[..at] + "\\ud800\"{[" + payload[at..],
            _ => payload[..at] + payload[at..Math.Min(payload.Length, at + 50)] + payload[at..],
        };
    }

    private static string MutateTree(string payload, Random random)
    {
        // JsonNode rejects some texts only lazily, on first access (a property repeated by a text mutation): mutate the text instead.
        try
        {
            return MutateTreeOf(JsonNode.Parse(payload), random);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
        {
            return MutateText(payload, random);
        }
    }

    private static string MutateTreeOf(JsonNode? root, Random random)
    {
        if (root is null)
        {
            return "null";
        }
        var containers = new List<JsonNode>();
        Collect(root, containers);
        var container = containers[random.Next(containers.Count)];
        var replacement = Replacements[random.Next(Replacements.Length)]?.DeepClone();
        switch (container)
        {
            case JsonObject obj when obj.Count > 0:
                var key = obj.ElementAt(random.Next(obj.Count)).Key;
                switch (random.Next(3))
                {
                    case 0:
                        obj.Remove(key);
                        break;
                    case 1:
                        obj[key] = replacement;
                        break;
                    default:
                        obj["x" + random.Next(1000)] = replacement;
                        break;
                }
                break;
            case JsonArray array when array.Count > 0:
                array[random.Next(array.Count)] = replacement;
                break;
            case JsonArray array:
                array.Add(replacement);
                break;
        }
        return root.ToJsonString();
    }

    private static void Collect(JsonNode node, List<JsonNode> containers)
    {
        if (node is JsonObject or JsonArray)
        {
            containers.Add(node);
        }
        var children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            Collect(child, containers);
        }
    }
}
