using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Blueshift.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Hosting;

public sealed class InvocationProtocolTests(HandlerFactory factory) : IClassFixture<HandlerFactory>
{
    // The timer payload the Functions host posts to a custom handler (binding "timer" as in our function.json).
    private const string TimerPayload = """
        {
          "Data": {
            "timer": {
              "Schedule": { "AdjustForDST": true },
              "ScheduleStatus": {
                "Last": "2026-01-05T08:55:00+00:00",
                "Next": "2026-01-05T09:00:00+00:00",
                "LastUpdated": "2026-01-05T08:55:00.0123456+00:00"
              },
              "IsPastDue": true
            }
          },
          "Metadata": {
            "sys": { "MethodName": "TestTimer", "UtcNow": "2026-01-05T09:00:00.1Z", "RandGuid": "24ad4c06-24ad-4e5b-8294-3da9714877e9" }
          }
        }
        """;

    private TestFunctionModule.Received Received => factory.Services.GetRequiredService<TestFunctionModule.Received>();

    [Fact]
    public async Task PostTimer_HostTimerPayload_AnswersOutputsLogsReturnValueAndPassesTimerInfo()
    {
        var client = factory.CreateClient();
        var before = Received.Timers.Count;

        using var response = await client.PostAsync("/TestTimer", Json(TimerPayload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(["Outputs", "Logs", "ReturnValue"], body.Select(p => p.Key));
        Assert.IsType<JsonObject>(body["Outputs"]);
        Assert.NotEmpty(body["Logs"]!.AsArray());
        Assert.Null(body["ReturnValue"]);
        var timer = Received.Timers.ToArray()[before];
        Assert.True(timer.IsPastDue);
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 8, 55, 0, TimeSpan.Zero), timer.ScheduleStatus!.Last);
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), timer.ScheduleStatus.Next);
    }

    [Fact]
    public async Task PostTimer_NoScheduleStatus_PassesNullStatus()
    {
        var client = factory.CreateClient();
        var before = Received.Timers.Count;

        using var response = await client.PostAsync("/TestTimer", Json("""{"Data":{"timer":{"IsPastDue":false}},"Metadata":{}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var timer = Received.Timers.ToArray()[before];
        Assert.Null(timer.ScheduleStatus);
        Assert.False(timer.IsPastDue);
    }

    [Fact]
    public async Task PostQueue_ReferenceQueuePayload_PassesMessageAndMetadata()
    {
        // The documented queue invocation, with its binding renamed to ours ("message").
        var payload = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryPaths.InReference("custom-handler", "invocation-request-queue-trigger.json")))!;
        var data = payload["Data"]!.AsObject();
        data["message"] = data["myQueueItem"]!.DeepClone();
        data.Remove("myQueueItem");
        var client = factory.CreateClient();

        using var response = await client.PostAsync("/TestQueue", Json(payload.ToJsonString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (message, metadata) = Assert.Single(Received.Messages, m => m.Metadata.Id == "800ae4b3-bdd2-4c08-badd-f08e5a34b865");
        Assert.Equal("{ message: \"Message sent\" }", message);
        Assert.Equal(1, metadata.DequeueCount);
        Assert.Equal(new DateTimeOffset(2019, 10, 9, 17, 58, 31, TimeSpan.Zero), metadata.InsertionTime);
    }

    [Theory]
    [InlineData("{\"Data\": {\"timer\": ")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"Metadata\":{}}")]
    [InlineData("{\"Data\":{\"other\":{}},\"Metadata\":{}}")]
    [InlineData("{\"Data\":{\"timer\":{\"IsPastDue\":\"yes\"}},\"Metadata\":{}}")]
    [InlineData("{\"Data\":{\"timer\":{\"IsPastDue\":false,\"ScheduleStatus\":{\"Last\":\"yesterday\"}}},\"Metadata\":{}}")]
    public async Task PostTimer_MalformedPayload_Returns400ProblemAndDoesNotInvoke(string payload)
    {
        var client = factory.CreateClient();
        var before = Received.Timers.Count;

        using var response = await client.PostAsync("/TestTimer", Json(payload));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(400, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()));
        Assert.Equal(before, Received.Timers.Count);
    }

    [Fact]
    public async Task PostQueue_MissingMessageId_Returns400Problem()
    {
        var client = factory.CreateClient();

        using var response = await client.PostAsync("/TestQueue", Json("""{"Data":{"message":"hello"},"Metadata":{"DequeueCount":1}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Metadata.Id", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostUnknownFunction_Returns404ProblemNamingIt()
    {
        var client = factory.CreateClient();

        using var response = await client.PostAsync("/NoSuchFunction", Json(TimerPayload));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("NoSuchFunction", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostTimer_HandlerThrows_Returns500ProblemWithoutExceptionDetails()
    {
        var client = factory.CreateClient();

        using var response = await client.PostAsync("/TestFailingTimer", Json(TimerPayload));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("TestFailingTimer", body);
        Assert.DoesNotContain("AccountKey", body);
        Assert.DoesNotContain("InvalidOperationException", body);
        Assert.DoesNotContain(" at ", body);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
