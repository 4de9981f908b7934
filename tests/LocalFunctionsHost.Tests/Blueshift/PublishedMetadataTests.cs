using System.Text.Json.Nodes;
using Blueshift.Testing;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests.Blueshift;

/// <summary>
/// The local host serves exactly what the published package declares: every function of <c>functions.metadata</c>
/// (HTTP, timer, orchestration and activity), with the same entry point, trigger, route, methods, auth level and
/// schedule, and nothing else.
/// </summary>
public sealed class PublishedMetadataTests
{
    [Fact]
    public async Task Describe_BlueshiftFunctions_MatchesThePublishedFunctionsMetadata()
    {
        var folder = Directory.CreateTempSubdirectory("blueshift-package-").FullName;
        try
        {
            await FunctionAppPublisher.PublishAsync(folder, selfContained: false);
            var published = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "functions.metadata")))!.AsArray()
                .Select(f => Published(f!.AsObject()))
                .OrderBy(f => f.Name, StringComparer.Ordinal)
                .ToList();

            var served = FunctionAppHost.Describe(typeof(Functions.Program).Assembly)
                .Select(f => f with { Methods = f.Methods is { Count: > 0 } m ? [.. m.Select(x => x.ToUpperInvariant()).Order(StringComparer.Ordinal)] : null })
                .OrderBy(f => f.Name, StringComparer.Ordinal)
                .ToList();

            Assert.Equal(published.Select(f => f.Name), served.Select(f => f.Name));
            Assert.Contains(published, f => f.TriggerType == "orchestrationTrigger");
            Assert.Contains(published, f => f.TriggerType == "activityTrigger");
            foreach (var (expected, actual) in published.Zip(served))
            {
                Assert.Equal(Text(expected), Text(actual));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static HostedFunction Published(JsonObject function)
    {
        var trigger = function["bindings"]!.AsArray()
            .Single(b => ((string?)b!["type"])!.EndsWith("Trigger", StringComparison.Ordinal))!.AsObject();
        var methods = trigger["methods"] is JsonArray m && m.Count > 0
            ? m.Select(x => ((string?)x)!.ToUpperInvariant()).Order(StringComparer.Ordinal).ToList()
            : null;
        return new HostedFunction(
            (string)function["name"]!,
            (string)trigger["type"]!,
            (string)function["entryPoint"]!,
            (string?)trigger["route"],
            methods,
            (string?)trigger["authLevel"],
            (string?)trigger["schedule"]);
    }

    // Records compare lists by reference; the text names every field, so a mismatch says which function and what.
    private static string Text(HostedFunction f) =>
        $"{f.Name}: {f.TriggerType} {f.EntryPoint} route={f.Route} methods={(f.Methods is null ? "" : string.Join(",", f.Methods))} auth={f.AuthLevel} schedule={f.Schedule}";
}
