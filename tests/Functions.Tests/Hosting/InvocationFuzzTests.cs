using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Blueshift.Functions.Tests.Hosting;

public sealed class InvocationFuzzTests(HandlerFactory factory) : IClassFixture<HandlerFactory>
{
    private const string Valid = """
        {"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"2026-01-05T08:55:00+00:00","Next":"2026-01-05T09:00:00+00:00","LastUpdated":"2026-01-05T08:55:00+00:00"},"IsPastDue":false}},"Metadata":{}}
        """;

    private static readonly string[][] Paths =
    [
        [], ["Data"], ["Metadata"], ["Data", "timer"], ["Data", "timer", "IsPastDue"], ["Data", "timer", "ScheduleStatus"],
        ["Data", "timer", "ScheduleStatus", "Last"], ["Data", "timer", "ScheduleStatus", "Next"], ["Data", "timer", "Schedule"],
    ];

    private static readonly string[] Values =
    [
        "null", "0", "-1", "1e400", "\"\"", "\"x\"", "[]", "{}", "true", "\"2026-13-45T99:00:00Z\"", "\"0001-01-01T00:00:00Z\"", "[{}]", "{\"IsPastDue\":null}",
    ];

    [Fact]
    public void PostTimer_AnyMutationOfTheHostPayload_AnswersOkOrProblem400Never500()
    {
        var client = factory.CreateClient();
        var gen =
            from path in Gen.Elements(Paths)
            from value in Gen.Elements(Values)
            from truncate in Gen.Choose(0, 400)
            select (path, value, truncate);

        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var body = Mutate(t.path, t.value);
            if (t.truncate < body.Length && t.truncate % 3 == 0)
            {
                body = body[..t.truncate];
            }
            using var response = client.PostAsync("/TestTimer", new StringContent(body, Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
            return response.StatusCode == HttpStatusCode.OK
                || (response.StatusCode == HttpStatusCode.BadRequest && response.Content.Headers.ContentType?.MediaType == "application/problem+json");
        }).QuickCheckThrowOnFailure();
    }

    private static string Mutate(string[] path, string value)
    {
        var replacement = JsonNode.Parse(value);
        if (path.Length == 0)
        {
            return replacement?.ToJsonString() ?? "null";
        }
        var root = JsonNode.Parse(Valid)!;
        var parent = root;
        foreach (var segment in path[..^1])
        {
            parent = parent[segment]!;
        }
        parent[path[^1]] = replacement;
        return root.ToJsonString();
    }
}
