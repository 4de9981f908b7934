using System.Text.Json.Nodes;
using Blueshift.Domain.Alerts;

namespace Blueshift.Domain.Tests.Alerts;

/// <summary>Deterministic fuzzing: the reference samples mutated by a seeded generator must parse or be rejected, never throw.</summary>
public class CommonAlertParserFuzzTests
{
    private const int Iterations = 1500;

    [Fact]
    public void Parse_MutatedSamples_NeverThrowsAlwaysParsedOrInvalid()
    {
        var random = new Random(20261122);
        var samples = AlertSamples.FileNames.Select(AlertSamples.Payload).ToList();
        var counts = new Dictionary<string, int> { ["parsed"] = 0, ["invalid"] = 0 };

        for (var i = 0; i < Iterations; i++)
        {
            var payload = samples[random.Next(samples.Count)];
            var mutations = 1 + random.Next(3);
            for (var m = 0; m < mutations; m++)
            {
                payload = random.Next(4) == 0 ? MutateText(payload, random) : MutateTree(payload, random);
            }

            var result = CommonAlertParser.Parse(payload);

            switch (result)
            {
                case AlertParseResult.Parsed parsed:
                    counts["parsed"]++;
                    Assert.False(string.IsNullOrEmpty(parsed.Alert.AlertId));
                    Assert.InRange(parsed.Alert.AlertTargetIds.Count, 0, AlertParserLimits.Default.MaxAlertTargetIds);
                    Assert.All(parsed.Alert.AlertTargetIds, t => Assert.InRange(t.Length, 0, AlertParserLimits.Default.MaxStringLength));
                    break;
                case AlertParseResult.Invalid invalid:
                    counts["invalid"]++;
                    Assert.NotEmpty(invalid.Errors);
                    Assert.All(invalid.Errors, e =>
                    {
                        Assert.StartsWith("$", e.Path);
                        Assert.InRange(e.Message.Length, 1, 300);
                    });
                    break;
                default:
                    Assert.Fail($"Iteration {i}: unexpected result {result}.");
                    break;
            }
        }

        // Both outcomes must occur, or the mutations were too weak (or too destructive) to test anything.
        Assert.True(counts["parsed"] > 100, $"only {counts["parsed"]} payloads parsed");
        Assert.True(counts["invalid"] > 100, $"only {counts["invalid"]} payloads rejected");
    }

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
            1 => payload[..at] + (char)random.Next(0x20, 0x7f) + payload[(at + 1)..],
            2 => payload[..at] + "\\ud800\"{[" + payload[at..],
            _ => payload[..at] + payload[at..Math.Min(payload.Length, at + 50)] + payload[at..],
        };
    }

    private static string MutateTree(string payload, Random random)
    {
        // Earlier text mutations can leave JSON that JsonNode rejects only lazily (duplicate keys): mutate the text instead.
        try
        {
            return MutateTreeOf(JsonNode.Parse(payload), payload, random);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
        {
            return MutateText(payload, random);
        }
    }

    private static string MutateTreeOf(JsonNode? root, string payload, Random random)
    {
        if (root is null)
        {
            return payload;
        }

        var slots = new List<(JsonNode Parent, object Key)>();
        Collect(root, slots, 0);
        if (slots.Count == 0)
        {
            return Replacement(random)?.ToJsonString() ?? "null";
        }

        // Bias towards the essentials, where the parser is strict.
        var essentials = slots.Where(s => s.Parent.GetPath().StartsWith("$.data.essentials", StringComparison.Ordinal)).ToList();
        var (parent, key) = essentials.Count > 0 && random.Next(3) > 0 ? essentials[random.Next(essentials.Count)] : slots[random.Next(slots.Count)];
        switch (parent, key)
        {
            case (JsonObject obj, string name) when random.Next(4) == 0:
                obj.Remove(name);
                break;
            case (JsonObject obj, string name):
                obj[name] = Replacement(random);
                break;
            case (JsonArray array, int index):
                array[index] = Replacement(random);
                break;
        }
        return root.ToJsonString();
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> slots, int depth)
    {
        if (depth > 40)
        {
            return;
        }
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    slots.Add((obj, name));
                    if (child is not null)
                    {
                        Collect(child, slots, depth + 1);
                    }
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    slots.Add((array, i));
                    if (array[i] is { } child)
                    {
                        Collect(child, slots, depth + 1);
                    }
                }
                break;
        }
    }

    private static JsonNode? Replacement(Random random) => random.Next(12) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(-10, 10)),
        2 => JsonValue.Create(random.NextDouble() * 1e308),
        3 => JsonValue.Create(random.Next(2) == 0),
        4 => JsonValue.Create(new string((char)random.Next('a', 'z'), random.Next(0, 20_000))),
        5 => new JsonObject(),
        6 => new JsonArray(Enumerable.Range(0, random.Next(0, 300)).Select(i => (JsonNode?)JsonValue.Create($"/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a{i}")).ToArray()),
        7 => Deep(random.Next(1, 60)),
        8 => JsonValue.Create($"Sev{random.Next(-1, 7)}"),
        9 => JsonValue.Create(random.Next(2) == 0 ? "Fired" : "Resolved"),
        10 => JsonValue.Create("2026-13-45T99:99:99Z"),
        _ => JsonValue.Create(""),
    };

    private static JsonNode Deep(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 1; i < depth; i++)
        {
            node = new JsonObject { ["x"] = node };
        }
        return node;
    }
}
